package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuIoasAllowIovas;
import io.jvfio.abi.iommufd.IommuIoasIovaRanges;
import io.jvfio.abi.iommufd.IommufdIoctl;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rules 15 and 17: IOVA_RANGES and ALLOW_IOVAS. */
class IovaRangesTest extends IommufdFixture {
    @Test
    @DisplayName("rule 15: a fresh IOAS reports [0, ULONG_MAX] with alignment 1")
    void freshIoasHasOneRange() {
        int ioas = ioasAlloc();
        assertThat(iovaRanges(ioas)).singleElement().satisfies(r -> assertThat(r)
                .containsExactly(0, ULONG_MAX));
        assertThat(iovaAlignment(ioas)).isEqualTo(1);
    }

    @Test
    @DisplayName("rule 15: the header comes back before EMSGSIZE for a too small array")
    void capacityZeroProbe() {
        int ioas = ioasAlloc();
        MemorySegment s = iovaRangesStruct(ioas, 0);
        IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.set(s, 77);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, s))).isEqualTo(Errno.EMSGSIZE);
        assertThat(IommuIoasIovaRanges.NUM_IOVAS.get(s)).isEqualTo(1);
        assertThat(IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.get(s)).isEqualTo(1);
    }

    @Test
    @DisplayName("rule 15: __reserved, missing IOAS and a faulting array")
    void iovaRangesErrors() {
        int ioas = ioasAlloc();
        MemorySegment s = iovaRangesStruct(ioas, 1);
        IommuIoasIovaRanges.RESERVED.set(s, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, s))).isEqualTo(Errno.EOPNOTSUPP);
        IommuIoasIovaRanges.RESERVED.set(s, 0);
        IommuIoasIovaRanges.IOAS_ID.set(s, 99);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, s))).isEqualTo(Errno.ENOENT);
        IommuIoasIovaRanges.IOAS_ID.set(s, ioas);
        IommuIoasIovaRanges.ALLOWED_IOVAS.set(s, unmappedAddress(PAGE));
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, s))).isEqualTo(Errno.EFAULT);
    }

    @Test
    @DisplayName("rule 17: ALLOW_IOVAS validates every range and replaces the list as a whole")
    void allowIovasValidation() {
        int ioas = ioasAlloc();
        assertThat(errno(() -> allowIovas(ioas, 0x1000, 0x1000))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> allowIovas(ioas, 0x2000, 0x1000))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> allowIovas(ioas, 0x1000, 0x2fff, 0x2000, 0x3fff)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> allowIovas(99, 0x1000, 0x2fff))).isEqualTo(Errno.ENOENT);
        allowIovas(ioas, 0x100000, 0x1fffff, 0x400000, 0x4fffff);
        MemorySegment buf = buffer(2 * PAGE);
        // Automatic IOVAs come only from the allowed ranges.
        assertThat(mapAuto(ioas, buf.address(), 0x100000 - PAGE)).isEqualTo(0x100000);
        assertThat(mapAuto(ioas, buf.address(), 0x10000)).isEqualTo(0x400000);
        // Fixed IOVAs are not restricted by the allowed list.
        assertThat(mapFixed(ioas, buf.address(), PAGE, 0x800000)).isEqualTo(0x800000);
        // An empty list clears it.
        allowIovas(ioas);
        assertThat(mapAuto(ioas, buf.address(), PAGE)).isEqualTo(PAGE);
    }

    @Test
    @DisplayName("rule 17: a faulting range array is EFAULT and keeps the old list")
    void allowIovasFault() {
        int ioas = ioasAlloc();
        allowIovas(ioas, 0x100000, 0x1fffff);
        MemorySegment s = IommuIoasAllowIovas.DEF.allocate(arena);
        IommuIoasAllowIovas.IOAS_ID.set(s, ioas);
        IommuIoasAllowIovas.NUM_IOVAS.set(s, 1);
        IommuIoasAllowIovas.ALLOWED_IOVAS.set(s, unmappedAddress(PAGE));
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, s))).isEqualTo(Errno.EFAULT);
        MemorySegment buf = buffer(PAGE);
        assertThat(mapAuto(ioas, buf.address(), PAGE)).isEqualTo(0x100000);
    }
}
