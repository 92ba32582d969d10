package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasChangeProcess;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.kernel.FileStat;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rules 10, 18 and 19: RLIMIT mode, CHANGE_PROCESS, HUGE_PAGES, MAP_FILE. */
class OptionsAndFilesTest extends IommufdFixture {
    private void changeProcess(int reserved) {
        MemorySegment s = IommuIoasChangeProcess.DEF.allocate(arena);
        IommuIoasChangeProcess.RESERVED.set(s, reserved);
        ioctl(IommufdIoctl.IOMMU_IOAS_CHANGE_PROCESS, s);
    }

    @Test
    @DisplayName("fstat: /dev/iommu is the misc char device sysfs names; a fault queue is an anon inode")
    void fstatOfTheFiles() {
        FileStat dev = k.fstat(fd);
        assertThat(dev.type()).isEqualTo(FileStat.S_IFCHR);
        assertThat(dev.major()).isEqualTo(10);
        assertThat(dev.size()).isZero();
        int attr = k.open("/sys/class/misc/iommu/dev", Linux.O.RDONLY);
        try {
            MemorySegment b = buffer(PAGE);
            long n = k.read(attr, b);
            assertThat(new String(b.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII))
                    .isEqualTo(dev.major() + ":" + dev.minor() + "\n");
            assertThat(k.fstat(attr)).isEqualTo(new FileStat(FileStat.S_IFREG | 0444, 0, PAGE));
        } finally {
            k.close(attr);
        }
        int queue = faultAlloc()[1];
        try {
            assertThat(k.fstat(queue)).isEqualTo(new FileStat(0600, 0, 0));
        } finally {
            k.close(queue);
        }
    }

    @Test
    @DisplayName("rule 10: RLIMIT_MODE is global: GET 0 on /dev/iommu, SET only on an empty context")
    void rlimitMode() {
        assertThat(option(IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 0, 0)).isZero();
        assertThat(errno(() -> option(IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 1, 0)))
                .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> option(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 2)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> option(IommuOption.RLIMIT_MODE, 2, 0, 0))).isEqualTo(Errno.EOPNOTSUPP);
        option(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 1);
        assertThat(option(IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 0, 0)).isEqualTo(1);
        ioasAlloc();
        assertThat(errno(() -> option(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 0)))
                .isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> option(99, IommuOption.OP_GET, 0, 0))).isEqualTo(Errno.EOPNOTSUPP);
        MemorySegment s = IommuOption.DEF.allocate(arena);
        IommuOption.RESERVED.set(s, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_OPTION, s))).isEqualTo(Errno.EOPNOTSUPP);
    }

    @Test
    @DisplayName("rule 10: CHANGE_PROCESS needs every area to come from MAP_FILE")
    void changeProcessNeedsFileAreas() {
        changeProcess(0);
        assertThat(errno(() -> changeProcess(1))).isEqualTo(Errno.EOPNOTSUPP);
        int ioas = ioasAlloc();
        int memfd = k.memfd("change-process", 0);
        try {
            k.ftruncate(memfd, 4 * PAGE);
            mapFile(ioas, RW | FIXED, memfd, 0, 4 * PAGE, 1L << 20);
            changeProcess(0);
            MemorySegment buf = buffer(PAGE);
            mapFixed(ioas, buf.address(), PAGE, 1L << 30);
            assertThat(errno(() -> changeProcess(0))).isEqualTo(Errno.EINVAL);
        } finally {
            k.close(memfd);
        }
    }

    @Test
    @DisplayName("rule 18: HUGE_PAGES GET/SET and its refusals")
    void hugePagesOption() {
        int ioas = ioasAlloc();
        assertThat(option(IommuOption.HUGE_PAGES, IommuOption.OP_GET, ioas, 0)).isEqualTo(1);
        assertThat(errno(() -> option(IommuOption.HUGE_PAGES, IommuOption.OP_GET, 99, 0)))
                .isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> option(IommuOption.HUGE_PAGES, IommuOption.OP_SET, ioas, 2)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> option(IommuOption.HUGE_PAGES, 2, ioas, 0))).isEqualTo(Errno.EOPNOTSUPP);
        MemorySegment buf = buffer(2 * PAGE);
        mapFixed(ioas, buf.address() + 16, PAGE, 1L << 20);
        assertThat(errno(() -> setHugePages(ioas, false))).isEqualTo(Errno.EADDRINUSE);
        assertThat(option(IommuOption.HUGE_PAGES, IommuOption.OP_GET, ioas, 0)).isEqualTo(1);
        unmap(ioas, 0, ULONG_MAX);
        setHugePages(ioas, false);
        setHugePages(ioas, false);
        assertThat(option(IommuOption.HUGE_PAGES, IommuOption.OP_GET, ioas, 0)).isZero();
        assertThat(iovaAlignment(ioas)).isEqualTo(PAGE);
        setHugePages(ioas, true);
        assertThat(iovaAlignment(ioas)).isEqualTo(1);
    }

    @Test
    @DisplayName("rule 19: MAP_FILE validation; file pages are only checked when pinned")
    void mapFileValidation() {
        int ioas = ioasAlloc();
        int memfd = k.memfd("map-file", 0);
        try {
            k.ftruncate(memfd, 2 * PAGE);
            assertThat(errno(() -> mapFile(ioas, RW | 8, memfd, 0, PAGE, 0))).isEqualTo(Errno.EOPNOTSUPP);
            assertThat(errno(() -> mapFile(ioas, RW, memfd, 0, ULONG_MAX, 0))).isEqualTo(Errno.EOVERFLOW);
            assertThat(errno(() -> mapFile(ioas, FIXED, memfd, 0, PAGE, 0))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> mapFile(99, RW, memfd, 0, PAGE, 0))).isEqualTo(Errno.ENOENT);
            assertThat(errno(() -> mapFile(ioas, RW, memfd, 0, 0, 0))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> mapFile(ioas, RW, memfd, -PAGE, 2 * PAGE, 0)))
                    .isEqualTo(Errno.EOVERFLOW);
            assertThat(errno(() -> mapFile(ioas, RW, 9999, 0, PAGE, 0))).isEqualTo(Errno.EBADF);
            assertThat(mapFile(ioas, RW, memfd, 0x100, PAGE, 0) % PAGE).isEqualTo(0x100);
            // Beyond EOF is accepted while nothing pins.
            assertThat(mapFile(ioas, RW | FIXED, memfd, 0, 64 * PAGE, 1L << 30)).isEqualTo(1L << 30);
        } finally {
            k.close(memfd);
        }
        // The mapping keeps the file alive after its fd is closed.
        assertThat(unmap(ioas, 1L << 30, 64 * PAGE)).isEqualTo(64 * PAGE);
    }
}
