package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Ioctl;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** semantics.md section I: the ioctl ladder, object IDs, DESTROY and teardown (rules 1-4). */
class IoctlFrameworkTest extends IommufdFixture {
    @Test
    @DisplayName("rule 1: the size is read first, so a NULL argument is EFAULT for any table request")
    void nullArgumentIsEfault() {
        assertThat(errno(() -> k.ioctl(fd, IommufdIoctl.IOMMU_DESTROY, MemorySegment.NULL)))
                .isEqualTo(Errno.EFAULT);
        assertThat(errno(() -> k.ioctl(fd, IommufdIoctl.IOMMU_IOAS_MAP, MemorySegment.NULL)))
                .isEqualTo(Errno.EFAULT);
    }

    @Test
    @DisplayName("rule 1: unknown numbers and direction/size-encoded requests are ENOTTY")
    void unknownRequestsAreEnotty() {
        MemorySegment s = IommuDestroy.DEF.allocate(arena);
        // Below 0x80: the VFIO compat handler does not know it.
        assertThat(errno(() -> ioctl(Ioctl.io(';', 0x7f), s))).isEqualTo(Errno.ENOTTY);
        // Past the last slot (no test module): compat handler, unknown.
        assertThat(errno(() -> ioctl(Ioctl.io(';', 0x95), s))).isEqualTo(Errno.ENOTTY);
        // Right slot, but the full request value differs.
        assertThat(errno(() -> ioctl(Ioctl.iowr(';', 0x80, 8), s))).isEqualTo(Errno.ENOTTY);
        assertThat(errno(() -> ioctl(Ioctl.io('x', 0x80), s))).isEqualTo(Errno.ENOTTY);
    }

    @Test
    @DisplayName("rule 1: size below the minimum is EINVAL")
    void shortSizeIsEinval() {
        MemorySegment s = IommuIoasAlloc.DEF.allocate(arena);
        IommuIoasAlloc.SIZE.set(s, (int) IommuIoasAlloc.DEF.minSize() - 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_ALLOC, s))).isEqualTo(Errno.EINVAL);
        IommuIoasAlloc.SIZE.set(s, 0);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_ALLOC, s))).isEqualTo(Errno.EINVAL);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4, 100, 5000})
    @DisplayName("rule 1: a longer struct must be zero past sizeof (E2BIG otherwise)")
    void longerStructNeedsZeroTail(long extra) {
        MemorySegment s = IommuIoasAlloc.DEF.allocate(arena, extra);
        assertThat(IommuIoasAlloc.SIZE.get(s)).isEqualTo(IommuIoasAlloc.DEF.size() + extra);
        ioctl(IommufdIoctl.IOMMU_IOAS_ALLOC, s);
        assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(s)).isEqualTo(1);
        s.set(ValueLayout.JAVA_BYTE, IommuIoasAlloc.DEF.size() + extra - 1, (byte) 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_ALLOC, s))).isEqualTo(Errno.E2BIG);
        // The failed call created nothing: the next ID is 2.
        assertThat(ioasAlloc()).isEqualTo(2);
    }

    @Test
    @DisplayName("rule 1: results are copied back with min(size, sizeof): bytes past size stay untouched")
    void copyBackStopsAtSize() {
        MemorySegment s = arena.allocate(IommuIoasAlloc.DEF.size() + 16, 8);
        long size = IommuIoasAlloc.DEF.size() + 4;
        IommuIoasAlloc.SIZE.set(s, (int) size);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, size, 0x5a5a5a5a5a5a5a5aL);
        ioctl(IommufdIoctl.IOMMU_IOAS_ALLOC, s);
        assertThat(IommuIoasAlloc.OUT_IOAS_ID.get(s)).isEqualTo(1);
        assertThat(s.get(ValueLayout.JAVA_INT_UNALIGNED, IommuIoasAlloc.DEF.size()))
                .isZero();
        assertThat(s.get(ValueLayout.JAVA_LONG_UNALIGNED, size)).isEqualTo(0x5a5a5a5a5a5a5a5aL);
    }

    @Test
    @DisplayName("rule 2: unknown flags are EOPNOTSUPP, a missing ID ENOENT")
    void flagsAndIds() {
        MemorySegment s = IommuIoasAlloc.DEF.allocate(arena);
        IommuIoasAlloc.FLAGS.set(s, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_ALLOC, s))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> destroy(7))).isEqualTo(Errno.ENOENT);
        MemorySegment buf = buffer(PAGE);
        assertThat(errno(() -> mapFixed(7, buf.address(), PAGE, 0))).isEqualTo(Errno.ENOENT);
    }

    @Test
    @DisplayName("rule 3: IDs are the lowest free integer from 1, shared and reused; 0 is never valid")
    void idsAreLowestFree() {
        assertThat(ioasAlloc()).isEqualTo(1);
        assertThat(ioasAlloc()).isEqualTo(2);
        assertThat(ioasAlloc()).isEqualTo(3);
        destroy(2);
        assertThat(ioasAlloc()).isEqualTo(2);
        destroy(1);
        destroy(3);
        assertThat(ioasAlloc()).isEqualTo(1);
        assertThat(errno(() -> destroy(0))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> destroy(3))).isEqualTo(Errno.ENOENT);
    }

    @Test
    @DisplayName("rule 3: an object whose copy-out failed is destroyed without ever being visible")
    void failedCopyOutDiscardsObject() {
        int memfd = k.memfd("ro-arg", 0);
        try {
            k.ftruncate(memfd, PAGE);
            MemorySegment rw = k.mmap(PAGE, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.SHARED, memfd, 0);
            MemorySegment ro = k.mmap(PAGE, Linux.Prot.READ, Linux.Map.SHARED, memfd, 0);
            try {
                IommuIoasAlloc.SIZE.set(rw, (int) IommuIoasAlloc.DEF.size());
                assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_ALLOC, ro)))
                        .isEqualTo(Errno.EFAULT);
                assertThat(errno(() -> destroy(1))).isEqualTo(Errno.ENOENT);
                assertThat(ioasAlloc()).isEqualTo(1);
            } finally {
                k.munmap(rw);
                k.munmap(ro);
            }
        } finally {
            k.close(memfd);
        }
    }

    @Test
    @DisplayName("rule 4: DESTROY removes an unreferenced IOAS with its mappings; close tears everything down")
    void destroyAndClose() {
        int a = ioasAlloc();
        int b = ioasAlloc();
        MemorySegment buf = buffer(4 * PAGE);
        mapFixed(a, buf.address(), 4 * PAGE, 1L << 20);
        mapFixed(b, buf.address(), 4 * PAGE, 1L << 20);
        destroy(a);
        assertThat(errno(() -> destroy(a))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> unmap(a, 0, ULONG_MAX))).isEqualTo(Errno.ENOENT);
        k.close(fd);
        fd = k.open("/dev/iommu", Linux.O.RDWR);
        // A new context starts from ID 1 again: nothing of the old one remains.
        assertThat(ioasAlloc()).isEqualTo(1);
        assertThat(errno(() -> destroy(b))).isEqualTo(Errno.ENOENT);
    }
}
