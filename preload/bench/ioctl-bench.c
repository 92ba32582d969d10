/*
 * The ioctl round trip of a C program: times /dev/iommu ioctls and a trivial real system call in
 * the same run. Under `jvfio run` the ioctls go through the preload library to the kernel server;
 * on a real kernel they are the kernel's own. Prints one line per call: its key, ns/op (the median
 * of the rounds) and the ratio to the system call. Rounds interleave the calls, so a loaded
 * machine slows them all alike. With -d BDF (a QEMU edu on vfio-pci, through the group path) it
 * also times one register access as a load or store on the mmapped BAR0 and as a pread or pwrite
 * of the region.
 *
 *   ioctl-bench [-n ITERATIONS] [-r ROUNDS] [-w WARMUP_ROUNDS] [-d BDF]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* From include/uapi/linux/iommufd.h (Linux 7.2). */
struct ioas_alloc { __u32 size, flags, out_ioas_id; };
struct ioas_map { __u32 size, flags, ioas_id, reserved; __u64 user_va, length, iova; };
struct ioas_unmap { __u32 size, ioas_id; __u64 iova, length; };
struct option { __u32 size, option_id; __u16 op, reserved; __u32 object_id; __u64 val64; };
#define IOMMUFD_TYPE (';')
#define IOAS_ALLOC _IO(IOMMUFD_TYPE, 0x81)
#define IOAS_MAP _IO(IOMMUFD_TYPE, 0x85)
#define IOAS_UNMAP _IO(IOMMUFD_TYPE, 0x86)
#define OPTION _IO(IOMMUFD_TYPE, 0x87)
#define OPTION_RLIMIT_MODE 0
#define OPTION_HUGE_PAGES 1
#define OPTION_OP_GET 1
#define MAP_FIXED_IOVA 1
#define MAP_WRITEABLE 2
#define MAP_READABLE 4
#define IOVA (1ull << 30)
#define SIZE 4096

static int iommu, ioas, pipefd[2], echo, device = -1;
static void *memory;
static off_t bar0;
static volatile uint32_t *registers;
/* edu's identification (read-only) and liveness (read-write) registers. */
#define EDU_ID 0x00
#define EDU_LIVENESS 0x04

static void fail(const char *what)
{
	fprintf(stderr, "ioctl-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void syscall_getuid(void) { syscall(SYS_getuid); }

static void fionread(void)
{
	int n;
	if (ioctl(pipefd[0], FIONREAD, &n))
		fail("FIONREAD");
}

/* The transport's floor: 64 bytes to a child process over a socketpair and back, as a request. */
static void ping(void)
{
	char m[64] = { 0 };
	if (send(echo, m, sizeof(m), 0) != sizeof(m) || recv(echo, m, sizeof(m), MSG_WAITALL) != sizeof(m))
		fail("ping");
}

static int start_echo(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fail("socketpair");
	pid_t child = fork();
	if (child < 0)
		fail("fork");
	if (child == 0) {
		char m[64];
		close(sv[0]);
		while (recv(sv[1], m, sizeof(m), MSG_WAITALL) == sizeof(m))
			if (send(sv[1], m, sizeof(m), 0) != sizeof(m))
				break;
		_exit(0);
	}
	close(sv[1]);
	return sv[0];
}

static void option_get(__u32 id, __u32 object)
{
	struct option o = { sizeof(o), id, OPTION_OP_GET, 0, object, 0 };
	if (ioctl(iommu, OPTION, &o))
		fail("IOMMU_OPTION");
}

static void rlimit_mode_get(void) { option_get(OPTION_RLIMIT_MODE, 0); }
static void huge_pages_get(void) { option_get(OPTION_HUGE_PAGES, ioas); }

static void map_unmap(void)
{
	struct ioas_map m = { sizeof(m), MAP_FIXED_IOVA | MAP_READABLE | MAP_WRITEABLE, ioas, 0,
			      (uintptr_t)memory, SIZE, IOVA };
	struct ioas_unmap u = { sizeof(u), ioas, IOVA, SIZE };
	if (ioctl(iommu, IOAS_MAP, &m))
		fail("IOMMU_IOAS_MAP");
	if (ioctl(iommu, IOAS_UNMAP, &u))
		fail("IOMMU_IOAS_UNMAP");
}

static void bar_pread(void)
{
	uint32_t v;
	if (pread(device, &v, 4, bar0 + EDU_ID) != 4)
		fail("pread BAR0");
}

static void bar_pwrite(void)
{
	uint32_t v = 0x5a5a5a5a;
	if (pwrite(device, &v, 4, bar0 + EDU_LIVENESS) != 4)
		fail("pwrite BAR0");
}

static void mmio_load(void) { (void)registers[EDU_ID / 4]; }
static void mmio_store(void) { registers[EDU_LIVENESS / 4] = 0x5a5a5a5a; }

/* The edu at bdf through the legacy group path, memory decoding on, BAR0 mapped. */
static void open_device(const char *bdf)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct vfio_region_info region = { .argsz = sizeof(region), .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info config = { .argsz = sizeof(config), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint16_t command;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		fail(path);
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	int container = open("/dev/vfio/vfio", O_RDWR), group = open(path, O_RDWR);
	if (container < 0 || group < 0 || ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		fail("the device's group and container");
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0 || ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &config) ||
	    ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &region))
		fail("the device's regions");
	if (pread(device, &command, 2, config.offset + 4) != 2)
		fail("PCI_COMMAND");
	command |= 2; /* memory space */
	if (pwrite(device, &command, 2, config.offset + 4) != 2)
		fail("PCI_COMMAND");
	bar0 = region.offset;
	registers = mmap(NULL, region.size, PROT_READ | PROT_WRITE, MAP_SHARED, device, bar0);
	if (registers == MAP_FAILED)
		fail("mmap BAR0");
}

static const struct call {
	const char *key, *what;
	void (*run)(void);
	int needs_device;
} calls[] = {
	{ "getuid", "syscall(SYS_getuid): the trivial real system call", syscall_getuid, 0 },
	{ "fionread", "ioctl(FIONREAD) on a pipe: a real ioctl through the library", fionread, 0 },
	{ "ping", "a 64-byte round trip to a child process over a socketpair", ping, 0 },
	{ "rlimit_mode_get", "IOMMU_OPTION RLIMIT_MODE GET", rlimit_mode_get, 0 },
	{ "huge_pages_get", "IOMMU_OPTION HUGE_PAGES GET on the IOAS", huge_pages_get, 0 },
	{ "map_unmap_4k", "IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP of 4 KiB", map_unmap, 0 },
	{ "bar_pread", "pread of a 32-bit BAR0 register", bar_pread, 1 },
	{ "bar_pwrite", "pwrite of a 32-bit BAR0 register", bar_pwrite, 1 },
	{ "mmio_load", "a 32-bit load from the mmapped BAR0", mmio_load, 1 },
	{ "mmio_store", "a 32-bit store to the mmapped BAR0", mmio_store, 1 },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long iterations = 2000, rounds = 25, warmup = 10;
	const char *bdf = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:w:d:")) != -1) {
		switch (opt) {
		case 'd': bdf = optarg; break;
		case 'n': iterations = atol(optarg); break;
		case 'r': rounds = atol(optarg); break;
		case 'w': warmup = atol(optarg); break;
		default:
			fprintf(stderr, "usage: ioctl-bench [-n ITERATIONS] [-r ROUNDS] [-w WARMUP_ROUNDS] [-d BDF]\n");
			return 2;
		}
	}
	if (iterations < 1 || rounds < 1 || warmup < 0) {
		fprintf(stderr, "ioctl-bench: counts must be positive\n");
		return 2;
	}
	iommu = open("/dev/iommu", O_RDWR);
	if (iommu < 0)
		fail("open /dev/iommu");
	struct ioas_alloc a = { sizeof(a), 0, 0 };
	if (ioctl(iommu, IOAS_ALLOC, &a))
		fail("IOMMU_IOAS_ALLOC");
	ioas = a.out_ioas_id;
	if (pipe(pipefd))
		fail("pipe");
	memory = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (memory == MAP_FAILED)
		fail("mmap");

	if (bdf)
		open_device(bdf);
	echo = start_echo();
	double *ns = calloc(NCALLS * rounds, sizeof(double));
	if (!ns)
		fail("calloc");
	for (long r = -warmup; r < rounds; r++) {
		for (size_t c = 0; c < NCALLS; c++) {
			if (calls[c].needs_device && device < 0)
				continue;
			double start = now();
			for (long i = 0; i < iterations; i++)
				calls[c].run();
			if (r >= 0)
				ns[c * rounds + r] = (now() - start) / iterations;
		}
	}
	double median[NCALLS];
	for (size_t c = 0; c < NCALLS; c++) {
		qsort(ns + c * rounds, rounds, sizeof(double), by_value);
		median[c] = ns[c * rounds + rounds / 2];
	}
	printf("# %ld rounds of %ld iterations after %ld warm-up rounds; median ns/op\n", rounds, iterations,
	       warmup);
	printf("# %-16s %12s %10s  %s\n", "call", "ns/op", "x getuid", "what");
	for (size_t c = 0; c < NCALLS; c++)
		if (!calls[c].needs_device || device >= 0)
			printf("%-18s %12.0f %10.2f  %s\n", calls[c].key, median[c], median[c] / median[0], calls[c].what);
	free(ns);
	close(echo);
	wait(NULL);
	return 0;
}
