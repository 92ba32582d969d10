package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rule 27: PASID attachment compatibility (mock devices with MOCK_FLAGS_DEVICE_PASID). */
class PasidAttachTest extends MockDeviceFixture {
    int pasidAttach(int stdev, int pasid, int ptId, boolean replace) {
        MemorySegment c = testCmd(
                replace ? IommufdTestIoctl.IOMMU_TEST_OP_PASID_REPLACE : IommufdTestIoctl.IOMMU_TEST_OP_PASID_ATTACH,
                stdev);
        IommuTestCmd.PasidAttach.PASID.set(c, pasid);
        IommuTestCmd.PasidAttach.PT_ID.set(c, ptId);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        return IommuTestCmd.PasidAttach.PT_ID.get(c);
    }

    void pasidDetach(int stdev, int pasid) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_PASID_DETACH, stdev);
        IommuTestCmd.PasidDetach.PASID.set(c, pasid);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    void checkHwpt(int stdev, int pasid, int hwpt) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_PASID_CHECK_HWPT, stdev);
        IommuTestCmd.PasidCheck.PASID.set(c, pasid);
        IommuTestCmd.PasidCheck.HWPT_ID.set(c, hwpt);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    @Test
    @DisplayName("rule 27: PASIDs need PASID-compatible HWPTs on both the PASID and the RID")
    void compatibility() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, IommufdTestConst.MOCK_FLAGS_DEVICE_PASID);
        int pasidHwpt = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_PASID);
        int plain = hwptAlloc(dev.idevId(), ioas, 0);
        assertThat(errno(() -> pasidAttach(dev.stdevId(), 100, ioas, false))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> pasidAttach(dev.stdevId(), 100, plain, false))).isEqualTo(Errno.EINVAL);
        // The RID sits on a non-PASID automatic HWPT: no PASID may attach.
        assertThat(errno(() -> pasidAttach(dev.stdevId(), 100, pasidHwpt, false)))
                .isEqualTo(Errno.EINVAL);
        checkHwpt(dev.stdevId(), 100, 0);
        int ridHwpt = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_PASID);
        mockReplace(dev.stdevId(), ridHwpt);
        assertThat(pasidAttach(dev.stdevId(), 100, pasidHwpt, false)).isEqualTo(pasidHwpt);
        checkHwpt(dev.stdevId(), 100, pasidHwpt);
        assertThat(errno(() -> checkHwpt(dev.stdevId(), 100, ridHwpt))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> pasidAttach(dev.stdevId(), 100, pasidHwpt, false)))
                .isEqualTo(Errno.EBUSY);
        // With a PASID attached the RID cannot move to a non-PASID HWPT.
        assertThat(errno(() -> mockReplace(dev.stdevId(), plain))).isEqualTo(Errno.EINVAL);
        // A failed PASID replace keeps the old domain.
        assertThat(errno(() -> pasidAttach(dev.stdevId(), 100, plain, true))).isEqualTo(Errno.EINVAL);
        checkHwpt(dev.stdevId(), 100, pasidHwpt);
        assertThat(pasidAttach(dev.stdevId(), 100, ridHwpt, true)).isEqualTo(ridHwpt);
        checkHwpt(dev.stdevId(), 100, ridHwpt);
        pasidDetach(dev.stdevId(), 100);
        pasidDetach(dev.stdevId(), 100); // not attached: silent
        checkHwpt(dev.stdevId(), 100, 0);
        mockReplace(dev.stdevId(), plain);
    }

    @Test
    @DisplayName("IOMMU_TEST_CMD: the mock fails every second set of PASID 1024; the old domain stays")
    void pasid1024FakeFailure() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, IommufdTestConst.MOCK_FLAGS_DEVICE_PASID);
        int a = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_PASID);
        int b = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_PASID);
        mockReplace(dev.stdevId(), a);
        int pasid = IommufdTestConst.IOMMU_TEST_PASID_RESERVED;
        pasidAttach(dev.stdevId(), pasid, b, false);
        assertThat(errno(() -> pasidAttach(dev.stdevId(), pasid, a, true))).isEqualTo(Errno.ENOMEM);
        checkHwpt(dev.stdevId(), pasid, b);
        // The failure cleared the flag: the third call succeeds and arms it again.
        assertThat(pasidAttach(dev.stdevId(), pasid, a, true)).isEqualTo(a);
        checkHwpt(dev.stdevId(), pasid, a);
        // Detaching (the blocking domain) disarms it.
        pasidDetach(dev.stdevId(), pasid);
        pasidAttach(dev.stdevId(), pasid, b, false);
        assertThat(errno(() -> pasidAttach(dev.stdevId(), pasid, a, true))).isEqualTo(Errno.ENOMEM);
        pasidDetach(dev.stdevId(), pasid);
        // Other PASIDs are not affected.
        pasidAttach(dev.stdevId(), 200, b, false);
        assertThat(pasidAttach(dev.stdevId(), 200, a, true)).isEqualTo(a);
        pasidDetach(dev.stdevId(), 200);
    }

    @Test
    @DisplayName("rule 27: a PASID beyond the device's PASID count is EINVAL")
    void pasidRange() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, IommufdTestConst.MOCK_FLAGS_DEVICE_PASID);
        int pasidHwpt = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_PASID);
        mockReplace(dev.stdevId(), pasidHwpt);
        assertThat(errno(() -> pasidAttach(dev.stdevId(), 1 << IommufdTestConst.MOCK_PASID_WIDTH, pasidHwpt, false)))
                .isEqualTo(Errno.EINVAL);
    }
}
