/* A C client of the kernel server for the server's tests: opens /dev/iommu, maps memory, checks fcntl status
 * flags, readv/preadv/writev and fstat/fstatat/statx/stat on emulated files, forks a child that uses the inherited fd, and in
 * "crash" mode dies by SIGKILL holding everything. */
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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* From include/uapi/linux/iommufd.h (Linux 7.2). */
struct ioas_alloc { __u32 size, flags, out_ioas_id; };
struct ioas_map { __u32 size, flags, ioas_id, reserved; __u64 user_va, length, iova; };
#define IOMMUFD_TYPE (';')
#define IOAS_ALLOC _IO(IOMMUFD_TYPE, 0x81)
#define IOAS_MAP _IO(IOMMUFD_TYPE, 0x85)
struct option { __u32 size, option_id; __u16 op, reserved; __u32 object_id; __u64 val64; };
#define OPTION _IO(IOMMUFD_TYPE, 0x87)
#define OPTION_HUGE_PAGES 1
#define OPTION_OP_GET 1
struct fault_alloc { __u32 size, flags, out_fault_id, out_fault_fd; };
#define FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, 0x8e)

static int check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok" : "FAIL", what);
	fflush(stdout);
	return ok ? 0 : 1;
}

/* fcntl's file status flags and readv/writev reach the emulated file, not the placeholder. */
static int file_calls(int fd)
{
	int failed = 0, null = open("/dev/null", O_RDWR), vendor;
	char head[3], tail[10] = { 0 };
	struct iovec iov[2] = { { head, sizeof(head) }, { tail, sizeof(tail) } };
	static struct iovec many[1025];
	struct iovec *volatile unmapped = (struct iovec *)8;

	failed |= check(fcntl(fd, F_GETFL) == fcntl(null, F_GETFL),
			"F_GETFL of /dev/iommu: what the host gives a device opened the same way");
	failed |= check(fcntl(fd, F_SETFL, O_NONBLOCK) == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) &&
				!(syscall(SYS_fcntl, fd, F_GETFL) & O_NONBLOCK),
			"F_SETFL O_NONBLOCK sets the emulated file's flag, not the placeholder's");
	failed |= check(fcntl(fd, F_SETFL, O_DIRECT) == -1 && errno == EINVAL, "F_SETFL O_DIRECT: EINVAL");
	failed |= check(fcntl(fd, F_SETFL, 0) == 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK), "F_SETFL 0 clears it");
	close(null);
	vendor = open("/sys/bus/pci/devices/0000:00:04.0/vendor", O_RDONLY);
	failed |= check(readv(vendor, iov, 2) == 7 && memcmp(head, "0x1", 3) == 0 && strcmp(tail, "234\n") == 0,
			"readv of an emulated sysfs attribute fills both segments");
	memset(tail, 0, sizeof(tail));
	failed |= check(preadv(vendor, iov + 1, 1, 2) == 5 && strcmp(tail, "1234\n") == 0, "preadv at an offset");
	failed |= check(readv(vendor, many, 1025) == -1 && errno == EINVAL, "readv of 1025 segments: EINVAL");
	failed |= check(readv(vendor, unmapped, 1) == -1 && errno == EFAULT, "readv of a bad iovec array: EFAULT");
	failed |= check(writev(fd, iov, 1) == -1 && errno == EINVAL, "writev on /dev/iommu: EINVAL, as write");
	close(vendor);
	/* fail-nth has only read and write: one write per segment, so "1" then "0" disarms again. */
	char path[64], digits[] = "10", text[8] = { 0 };
	struct iovec two[2] = { { digits, 1 }, { digits + 1, 1 } };
	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", (int)gettid());
	int nth = open(path, O_RDWR);
	failed |= check(writev(nth, two, 2) == 2 && read(nth, text, sizeof(text) - 1) == 2 && strcmp(text, "0\n") == 0,
			"writev of a file without write_iter writes each segment in turn");
	close(nth);
	return failed;
}

/* Whether path's sysfs "dev" attribute names rdev, as "MAJOR:MINOR". */
static int dev_attr_is(const char *path, dev_t rdev)
{
	char text[32] = { 0 }, want[32];
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, text, sizeof(text) - 1);

	close(fd);
	snprintf(want, sizeof(want), "%u:%u\n", major(rdev), minor(rdev));
	return n > 0 && strcmp(text, want) == 0;
}

/* fstat and its relatives describe the emulated file: device numbers as sysfs shows them, anon inodes, attributes. */
static int stat_calls(int fd)
{
	int failed = 0;
	struct stat st, at, path;
	struct statx x;

	failed |= check(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0660 &&
				major(st.st_rdev) == 10 && minor(st.st_rdev) == 256,
			"fstat of /dev/iommu: a char device 10:256, 0660");
	failed |= check(dev_attr_is("/sys/class/misc/iommu/dev", st.st_rdev), "its rdev is /sys/class/misc/iommu/dev");
	failed |= check(fstatat(fd, "", &at, AT_EMPTY_PATH) == 0 && at.st_rdev == st.st_rdev && at.st_ino == st.st_ino,
			"fstatat AT_EMPTY_PATH: the same");
	failed |= check(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x) == 0 && S_ISCHR(x.stx_mode) &&
				x.stx_rdev_major == 10 && x.stx_rdev_minor == 256,
			"statx AT_EMPTY_PATH: the same");
	failed |= check(stat("/dev/iommu", &path) == 0 && path.st_mode == st.st_mode && path.st_rdev == st.st_rdev,
			"stat of /dev/iommu: the same");
	failed |= check(stat("/dev/vfio/vfio", &path) == 0 && S_ISCHR(path.st_mode) && path.st_rdev == makedev(10, 196) &&
				dev_attr_is("/sys/class/misc/vfio/dev", path.st_rdev),
			"stat of /dev/vfio/vfio: 10:196, as /sys/class/misc/vfio/dev");
	failed |= check(stat("/dev/vfio/devices/vfio0", &path) == 0 && S_ISCHR(path.st_mode) &&
				dev_attr_is("/sys/class/vfio-dev/vfio0/dev", path.st_rdev),
			"stat of /dev/vfio/devices/vfio0: the number /sys/class/vfio-dev/vfio0/dev shows");
	char link[256] = { 0 }, group[64], attr[96];
	readlink("/sys/bus/pci/devices/0000:00:04.0/iommu_group", link, sizeof(link) - 1);
	snprintf(group, sizeof(group), "/dev/vfio/%s", strrchr(link, '/') + 1);
	snprintf(attr, sizeof(attr), "/sys/class/vfio/%s/dev", strrchr(link, '/') + 1);
	failed |= check(stat(group, &path) == 0 && S_ISCHR(path.st_mode) && dev_attr_is(attr, path.st_rdev),
			"stat of the group's /dev/vfio/N: the number /sys/class/vfio/N/dev shows");
	int vendor = open("/sys/bus/pci/devices/0000:00:04.0/vendor", O_RDONLY);
	failed |= check(fstat(vendor, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0444 &&
				st.st_size == 4096,
			"fstat of a sysfs attribute: regular, 0444, 4096 bytes");
	close(vendor);
	failed |= check(lstat("/sys/bus/pci/devices/0000:00:04.0/iommu_group", &st) == 0 && S_ISLNK(st.st_mode) &&
				stat("/sys/bus/pci/devices/0000:00:04.0/iommu_group", &path) == 0 && S_ISDIR(path.st_mode),
			"lstat of a sysfs link: a link; stat: the directory");
	struct fault_alloc f = { sizeof(f), 0, 0, 0 };
	failed |= check(ioctl(fd, FAULT_QUEUE_ALLOC, &f) == 0 && fstat(f.out_fault_fd, &st) == 0 && st.st_mode == 0600 &&
				st.st_rdev == 0 && st.st_size == 0,
			"fstat of a fault queue fd: an anon inode (0600, no file type)");
	close(f.out_fault_fd);
	failed |= check(fstat(1, &st) == 0 && fstat(-1, &st) == -1 && errno == EBADF, "fstat of other fds: the host's");
	return failed;
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
	failed |= file_calls(fd);
	failed |= stat_calls(fd);
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	failed |= check(ioctl(dup, IOAS_ALLOC, &a) == 0, "a dup of the iommufd");
	failed |= check(readlink("/sys/bus/pci/devices/0000:00:04.0/iommu_group", link, sizeof(link) - 1) > 0 &&
				strstr(link, "iommu_groups") != NULL,
			"readlink of an emulated sysfs link");
	failed |= check(open("/dev/vfio/nonexistent", O_RDWR) == -1 && errno == ENOENT, "an absent /dev/vfio node: ENOENT");
	/* An fd number reused behind the library's back (a raw close) reaches the new file, not the old. */
	int other = open("/dev/iommu", O_RDWR), keep = fcntl(other, F_DUPFD_CLOEXEC, 20);
	struct ioas_alloc c = { sizeof(c), 0, 0 };
	struct option o = { sizeof(o), OPTION_HUGE_PAGES, OPTION_OP_GET, 0, 0, 0 };
	failed |= check(ioctl(other, IOAS_ALLOC, &c) == 0, "IOMMU_IOAS_ALLOC on a second iommufd");
	o.object_id = c.out_ioas_id;
	failed |= check(ioctl(other, OPTION, &o) == 0, "IOMMU_OPTION on its IOAS");
	syscall(SYS_close, other);
	int again = open("/dev/iommu", O_RDWR);
	failed |= check(again == other && ioctl(again, OPTION, &o) == -1 && errno == ENOENT,
			"an iommufd opened at a reused fd number has no IOAS yet");
	close(again);
	close(keep);
	if (crash)
		kill(getpid(), SIGKILL);
	close(dup);
	close(fd);
	return failed ? 1 : 0;
}
