// SPDX-License-Identifier: GPL-2.0-only
/*
 * The legacy VFIO path QEMU 7.2 takes, end to end, with a DMA through QEMU's edu:
 * /dev/vfio/vfio (container), /dev/vfio/N (group), SET_CONTAINER, SET_IOMMU type1v2,
 * MAP_DMA, GET_DEVICE_FD, region info, config and BAR0 access with pread/pwrite, two DMAs
 * (RAM -> edu buffer -> RAM), UNMAP_DMA, then a DMA to the unmapped IOVA that must not land.
 *
 * With --mmio, BAR0 is mmapped and every register access is a plain load or store on it
 * (volatile, 1 to 8 bytes), as a userspace driver does; that mode also checks that an access
 * with memory decoding off is SIGBUS and that a stray access still reaches the program's own
 * SIGSEGV handler.
 *
 * usage: vfio_group_edu_dma [--mmio] [BDF]   (else $VFIO_SELFTESTS_BDF, else 0000:00:04.0)
 * Prints TAP (one "ok N name" / "not ok N name" per check, as Linux's kselftests do, so
 * scripts/selftests/results reads it the same way); exits 0 when every check passed, 1 at the
 * first failure (the later checks depend on it), 4 (KSFT_SKIP) when there is no such device.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_RUN 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_BUFFER 0x40000
/* QEMU 7.2's edu refuses a transfer that reaches the end of its 4 KiB buffer. */
#define DMA_LEN 2048
/* Below edu's 28-bit DMA mask, page aligned. */
#define IOVA 0x100000
#define PAGE 4096

static int checks;

static void ok(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d ", ++checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A failed check: later checks build on it, so stop here. */
static void __attribute__((noreturn)) fail(const char *name, const char *why)
{
	checks++;
	printf("not ok %d %s\n# %s\n1..%d\n", checks, name, why, checks);
	exit(1);
}

static void check(int cond, const char *name, const char *why)
{
	if (!cond)
		fail(name, why);
	ok("%s", name);
}

static void check_errno(int ret, const char *name)
{
	if (ret < 0)
		fail(name, strerror(errno));
	ok("%s", name);
}

static int device;
static off_t bar0, config;
/* BAR0 as mapped with --mmio; NULL: registers through pread/pwrite of the region. */
static volatile unsigned char *mmio;

static uint64_t bar_read(off_t reg, size_t width)
{
	uint64_t v = 0;

	if (mmio) {
		switch (width) {
		case 1: return *(volatile uint8_t *)(mmio + reg);
		case 2: return *(volatile uint16_t *)(mmio + reg);
		case 4: return *(volatile uint32_t *)(mmio + reg);
		default: return *(volatile uint64_t *)(mmio + reg);
		}
	}
	if (pread(device, &v, width, bar0 + reg) != (ssize_t)width)
		fail("bar0_read", strerror(errno));
	return v;
}

static void bar_write(off_t reg, uint64_t v, size_t width)
{
	if (mmio) {
		switch (width) {
		case 1: *(volatile uint8_t *)(mmio + reg) = v; break;
		case 2: *(volatile uint16_t *)(mmio + reg) = v; break;
		case 4: *(volatile uint32_t *)(mmio + reg) = v; break;
		default: *(volatile uint64_t *)(mmio + reg) = v; break;
		}
		return;
	}
	if (pwrite(device, &v, width, bar0 + reg) != (ssize_t)width)
		fail("bar0_write", strerror(errno));
}

/* edu finishes a DMA 100 ms (QEMU's virtual clock) after the command: poll, up to 20 s. */
static int dma(uint64_t src, uint64_t dst, uint64_t cmd)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	bar_write(EDU_DMA_SRC, src, 8);
	bar_write(EDU_DMA_DST, dst, 8);
	bar_write(EDU_DMA_COUNT, DMA_LEN, 8);
	bar_write(EDU_DMA_CMD, cmd | EDU_DMA_RUN, 8);
	for (i = 0; i < 20000; i++) {
		if (!(bar_read(EDU_DMA_CMD, 8) & EDU_DMA_RUN))
			return 0;
		nanosleep(&ms, NULL);
	}
	return -1;
}

static sigjmp_buf caught;
static volatile sig_atomic_t caught_signal;

static void catch_signal(int sig)
{
	caught_signal = sig;
	siglongjmp(caught, 1);
}

/* The signal a load of *p raises (0: none), with a handler of our own for SIGSEGV and SIGBUS. */
static int load_signal(volatile unsigned char *p)
{
	struct sigaction sa = { .sa_handler = catch_signal }, old_segv, old_bus;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	caught_signal = 0;
	if (!sigsetjmp(caught, 1))
		(void)*(volatile uint32_t *)p;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return caught_signal;
}

/* The exit status of a child that uses the BAR mapping it inherited (fork copies it): 0 if it worked. */
static int forked_child_status(void)
{
	int status;
	pid_t child = fork();

	if (child == 0) {
		bar_write(EDU_LIVENESS, 0x5a5a0f0f, 4);
		_exit(bar_read(EDU_ID, 4) == 0x010000ed && bar_read(EDU_LIVENESS, 4) == 0xa5a5f0f0 ? 0 : 1);
	}
	if (child < 0 || waitpid(child, &status, 0) != child)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* --mmio: what a mapping of BAR0 does besides plain register access. */
static void mmio_checks(void)
{
	uint64_t byte = bar_read(EDU_ID, 1), word = bar_read(EDU_ID, 2);
	uint16_t command;
	char why[64], *guard;

	/* edu takes only 4- and 8-byte accesses: QEMU reads narrower ones as 0. */
	snprintf(why, sizeof(why), "read %#llx and %#llx", (unsigned long long)byte, (unsigned long long)word);
	check(byte == 0 && word == 0, "mmio_narrow_loads", why);
	check(forked_child_status() == 0, "mmio_forked_child", "a fork's loads and stores on the inherited BAR failed");
	guard = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED)
		fail("mmap_guard", strerror(errno));
	check(load_signal((volatile unsigned char *)guard) == SIGSEGV, "stray_access_sigsegv",
	      "the program's SIGSEGV handler did not run");
	munmap(guard, PAGE);
	if (pread(device, &command, 2, config + PCI_COMMAND) != 2)
		fail("config_read_command", "short read");
	command &= ~PCI_COMMAND_MEMORY;
	if (pwrite(device, &command, 2, config + PCI_COMMAND) != 2)
		fail("config_memory_off", "short write");
	check(load_signal(mmio + EDU_ID) == SIGBUS, "mmio_decode_off_sigbus", "no SIGBUS");
	command |= PCI_COMMAND_MEMORY;
	if (pwrite(device, &command, 2, config + PCI_COMMAND) != 2)
		fail("config_memory_on", "short write");
	check(bar_read(EDU_ID, 4) == 0x010000ed, "mmio_decode_on_again", "another value");
}

int main(int argc, char **argv)
{
	int use_mmio = argc > 1 && strcmp(argv[1], "--mmio") == 0;
	const char *bdf = argc > 1 + use_mmio ? argv[1 + use_mmio] : getenv("VFIO_SELFTESTS_BDF");
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_type1_info iommu = { .argsz = sizeof(iommu) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info region = { .argsz = sizeof(region) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	char path[PATH_MAX], link[PATH_MAX], why[256];
	int container, group, i;
	uint16_t id[2], command;
	unsigned char *buf;
	const char *n;
	ssize_t len;

	if (!bdf)
		bdf = "0000:00:04.0";
	printf("TAP version 13\n# edu at %s\n", bdf);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0) {
		printf("1..0 # SKIP %s: %s\n", path, strerror(errno));
		return 4;
	}
	link[len] = '\0';
	n = strrchr(link, '/');
	if (!n)
		fail("iommu_group", "the iommu_group link names no group");
	n++;
	printf("# %s is in IOMMU group %s\n", bdf, n);
	ok("iommu_group");

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	check_errno(container, "open_container");
	check(ioctl(container, VFIO_GET_API_VERSION) == VFIO_API_VERSION,
	      "get_api_version", "another version");
	check(ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1,
	      "check_extension_type1v2", "not supported");

	snprintf(path, sizeof(path), "/dev/vfio/%s", n);
	group = open(path, O_RDWR | O_CLOEXEC);
	check_errno(group, "open_group");
	check_errno(ioctl(group, VFIO_GROUP_GET_STATUS, &status), "group_get_status");
	check(status.flags == VFIO_GROUP_FLAGS_VIABLE, "group_viable",
	      "unexpected group flags");
	check_errno(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container), "group_set_container");
	check_errno(ioctl(group, VFIO_GROUP_GET_STATUS, &status), "group_get_status_again");
	check(status.flags == (VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET),
	      "group_container_set", "unexpected group flags");
	check_errno(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), "set_iommu_type1v2");
	check_errno(ioctl(container, VFIO_IOMMU_GET_INFO, &iommu), "iommu_get_info");
	check((iommu.flags & VFIO_IOMMU_INFO_PGSIZES) && (iommu.iova_pgsizes & PAGE),
	      "iommu_pgsize_4k", "no 4 KiB page size");

	/* Page 0: what the device reads; page 1: where it writes back. */
	buf = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		fail("mmap_buffer", strerror(errno));
	for (i = 0; i < DMA_LEN; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)buf;
	map.iova = IOVA;
	map.size = 2 * PAGE;
	check_errno(ioctl(container, VFIO_IOMMU_MAP_DMA, &map), "map_dma");

	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	check_errno(device, "group_get_device_fd");
	check_errno(ioctl(device, VFIO_DEVICE_GET_INFO, &info), "device_get_info");
	check((info.flags & VFIO_DEVICE_FLAGS_PCI) && info.num_regions >= VFIO_PCI_CONFIG_REGION_INDEX + 1,
	      "device_is_pci", "not a vfio-pci device");

	region.index = VFIO_PCI_CONFIG_REGION_INDEX;
	check_errno(ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &region), "config_region_info");
	config = region.offset;
	check(pread(device, id, sizeof(id), config + PCI_VENDOR_ID) == sizeof(id) &&
		      id[0] == 0x1234 && id[1] == 0x11e8,
	      "config_vendor_device", "another vendor:device");
	/* Memory decoding and bus mastering: edu's DMA goes nowhere without the latter. */
	check(pread(device, &command, 2, config + PCI_COMMAND) == 2, "config_read_command",
	      "short read");
	command |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	check(pwrite(device, &command, 2, config + PCI_COMMAND) == 2,
	      "config_enable_bus_master", "short write");

	region.index = VFIO_PCI_BAR0_REGION_INDEX;
	check_errno(ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &region), "bar0_region_info");
	snprintf(why, sizeof(why), "size %#llx flags %#x", (unsigned long long)region.size,
		 region.flags);
	check(region.size == 1 << 20 &&
		      (region.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) ==
			      (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE),
	      "bar0_size_and_flags", why);
	bar0 = region.offset;
	if (use_mmio) {
		check(region.flags & VFIO_REGION_INFO_FLAG_MMAP, "bar0_mmap_flag", "BAR0 is not mmappable");
		mmio = mmap(NULL, region.size, PROT_READ | PROT_WRITE, MAP_SHARED, device, bar0);
		if (mmio == MAP_FAILED)
			fail("bar0_mmap", strerror(errno));
		ok("bar0_mmap");
	}

	check(bar_read(EDU_ID, 4) == 0x010000ed, "edu_identification",
	      "another value");
	bar_write(EDU_LIVENESS, 0x12345678, 4);
	check(bar_read(EDU_LIVENESS, 4) == (uint32_t)~0x12345678u,
	      "edu_liveness", "another value");
	bar_write(EDU_FACTORIAL, 5, 4);
	for (i = 0; i < 20000 && (bar_read(EDU_STATUS, 4) & 1); i++)
		usleep(1000);
	check(bar_read(EDU_FACTORIAL, 4) == 120, "edu_factorial", "another value");
	if (mmio)
		mmio_checks();

	check(dma(IOVA, EDU_BUFFER, 0) == 0, "dma_to_device", "still running after 20 s");
	check(dma(EDU_BUFFER, IOVA + PAGE, EDU_DMA_TO_RAM) == 0, "dma_to_ram",
	      "still running after 20 s");
	check(!memcmp(buf, buf + PAGE, DMA_LEN), "dma_data_matches",
	      "page 1 differs from page 0");

	unmap.iova = IOVA;
	unmap.size = 2 * PAGE;
	check_errno(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap), "unmap_dma");
	check(unmap.size == 2 * PAGE, "unmap_dma_size", "another size");
	/* The IOMMU now refuses the device's writes: the page must keep what it had. */
	memset(buf + PAGE, 0x5a, DMA_LEN);
	check(dma(EDU_BUFFER, IOVA + PAGE, EDU_DMA_TO_RAM) == 0, "dma_unmapped_ends",
	      "still running after 20 s");
	for (i = 0; i < DMA_LEN && buf[PAGE + i] == 0x5a; i++)
		;
	check(i == DMA_LEN, "dma_unmapped_blocked", "memory changed");

	if (mmio)
		check_errno(munmap((void *)mmio, 1 << 20), "bar0_munmap");
	check_errno(close(device), "close_device");
	check_errno(ioctl(group, VFIO_GROUP_UNSET_CONTAINER), "group_unset_container");
	check_errno(close(group), "close_group");
	check_errno(close(container), "close_container");
	printf("1..%d\n", checks);
	return 0;
}
