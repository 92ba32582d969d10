/* A C client of the kernel server for the server's tests: opens /dev/iommu, maps memory, forks
 * a child that uses the inherited fd, and in "crash" mode dies by SIGKILL holding everything. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* From include/uapi/linux/iommufd.h (Linux 7.2). */
struct ioas_alloc { __u32 size, flags, out_ioas_id; };
struct ioas_map { __u32 size, flags, ioas_id, reserved; __u64 user_va, length, iova; };
#define IOMMUFD_TYPE (';')
#define IOAS_ALLOC _IO(IOMMUFD_TYPE, 0x81)
#define IOAS_MAP _IO(IOMMUFD_TYPE, 0x85)

static int check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	fflush(stdout);
	return ok ? 0 : 1;
}

/* "hold": opens two iommufds, closes them with close_range, says so, and waits for a line. */
static int hold(void)
{
	int a = open("/dev/iommu", O_RDWR), b = open("/dev/iommu", O_RDWR);
	char line[8];

	if (a < 0 || b < 0)
		return 1;
	printf("open %d %d\n", a, b);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	if (close_range(a < b ? a : b, a < b ? b : a, 0) != 0)
		return 1;
	printf("closed\n");
	fflush(stdout);
	return fgets(line, sizeof(line), stdin) ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "hold") == 0)
		return hold();
	int crash = argc > 1 && strcmp(argv[1], "crash") == 0, failed = 0;
	int fd = open("/dev/iommu", O_RDWR);
	struct ioas_alloc a = { sizeof(a), 0, 0 };
	char link[256] = { 0 };

	failed |= check(fd >= 0, "open /dev/iommu");
	failed |= check(ioctl(fd, IOAS_ALLOC, &a) == 0 && a.out_ioas_id > 0, "IOMMU_IOAS_ALLOC");
	void *buf = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ioas_map m = { sizeof(m), 6, a.out_ioas_id, 0, (uintptr_t)buf, 1 << 16, 0 };
	failed |= check(ioctl(fd, IOAS_MAP, &m) == 0, "IOMMU_IOAS_MAP of 64 KiB");
	failed |= check(ioctl(fd, IOAS_MAP, (void *)8) == -1 && errno == EFAULT, "IOMMU_IOAS_MAP of a bad pointer: EFAULT");
	m.ioas_id = 999;
	failed |= check(ioctl(fd, IOAS_MAP, &m) == -1 && errno == ENOENT, "IOMMU_IOAS_MAP of no IOAS: ENOENT");
	pid_t child = fork();
	if (child == 0) {
		struct ioas_alloc b = { sizeof(b), 0, 0 };
		_exit(ioctl(fd, IOAS_ALLOC, &b) == 0 && b.out_ioas_id > a.out_ioas_id ? 0 : 1);
	}
	int status;
	failed |= check(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			"a forked child uses the inherited iommufd");
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	failed |= check(ioctl(dup, IOAS_ALLOC, &a) == 0, "a dup of the iommufd");
	failed |= check(readlink("/sys/bus/pci/devices/0000:00:04.0/iommu_group", link, sizeof(link) - 1) > 0 &&
				strstr(link, "iommu_groups") != NULL,
			"readlink of an emulated sysfs link");
	failed |= check(open("/dev/vfio/nonexistent", O_RDWR) == -1 && errno == ENOENT, "an absent /dev/vfio node: ENOENT");
	if (crash)
		kill(getpid(), SIGKILL);
	close(dup);
	close(fd);
	return failed ? 1 : 0;
}
