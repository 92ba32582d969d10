package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommufdTestConst;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rules 20–23 with IOMMU_TEST_CMD mock devices (CONFIG_IOMMUFD_TEST on both backends). */
class DeviceHwptTest extends MockDeviceFixture {

    @Test
    @DisplayName("rule 20: compatible devices on one IOAS share an automatic HWPT, freed with its last device")
    void automaticDomainSharedAndFreed() {
        int ioas = ioasAlloc();
        Mock a = mockDomain(ioas, 0);
        Mock b = mockDomain(ioas, 0);
        assertThat(a.hwptId()).isNotEqualTo(ioas);
        assertThat(b.hwptId()).isEqualTo(a.hwptId());
        assertThat(errno(() -> destroy(a.hwptId()))).isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> destroy(a.idevId()))).isEqualTo(Errno.EBUSY);
        destroy(a.stdevId());
        destroy(b.stdevId());
        assertThat(errno(() -> destroy(a.hwptId()))).isEqualTo(Errno.ENOENT);
        destroy(ioas);
    }

    @Test
    @DisplayName("rule 20: a manual HWPT is never chosen automatically; a no-dirty device skips a dirty one")
    void manualHwptNotChosen() {
        int ioas = ioasAlloc();
        Mock a = mockDomain(ioas, 0);
        int manual = hwptAlloc(a.idevId(), ioas, 0);
        Mock b = mockDomain(ioas, 0);
        assertThat(b.hwptId()).isEqualTo(a.hwptId()).isNotEqualTo(manual);
        int dirty = hwptAlloc(a.idevId(), ioas, IommuHwptAlloc.ALLOC_DIRTY_TRACKING);
        assertThat(mockReplace(a.stdevId(), dirty)).isEqualTo(dirty);
        Mock c = mockDomain(dirty, 0);
        assertThat(c.hwptId()).isEqualTo(dirty);
        assertThat(errno(() -> mockDomain(dirty, IommufdTestConst.MOCK_FLAGS_DEVICE_NO_DIRTY)))
                .isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName("rule 21: HWPT_ALLOC fills the new domain with existing mappings and mirrors later ones")
    void manualHwptJoinsIoas() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(4 * PAGE);
        Mock a = mockDomain(ioas, 0);
        mapFixed(ioas, buf.address(), PAGE, IOVA);
        int hwpt = hwptAlloc(a.idevId(), ioas, 0);
        checkMap(hwpt, IOVA, PAGE, buf.address());
        mapFixed(ioas, buf.address() + PAGE, PAGE, IOVA + PAGE);
        checkMap(hwpt, IOVA + PAGE, PAGE, buf.address() + PAGE);
        assertThat(errno(() -> checkMap(hwpt, IOVA + 2 * PAGE, PAGE, buf.address() + 2 * PAGE)))
                .isEqualTo(Errno.EINVAL);
        destroy(a.stdevId());
        // The mock aperture stays reserved in the IOAS although no device is attached to hwpt.
        assertThat(errno(() -> mapFixed(ioas, buf.address(), PAGE, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> destroy(ioas))).isEqualTo(Errno.EBUSY);
        destroy(hwpt);
        destroy(ioas);
    }

    @Test
    @DisplayName("rule 22: replace needs an attachment, is a no-op for the same HWPT, moves between IOASes")
    void replaceSemantics() {
        int ioas1 = ioasAlloc();
        int ioas2 = ioasAlloc();
        Mock a = mockDomain(ioas1, 0);
        assertThat(mockReplace(a.stdevId(), a.hwptId())).isEqualTo(a.hwptId());
        int other = mockReplace(a.stdevId(), ioas2);
        assertThat(other).isNotEqualTo(a.hwptId());
        assertThat(errno(() -> destroy(a.hwptId()))).isEqualTo(Errno.ENOENT);
        destroy(ioas1);
        assertThat(errno(() -> mockReplace(a.stdevId(), a.idevId()))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> mockReplace(a.stdevId(), 9999))).isEqualTo(Errno.ENOENT);
    }

    @Test
    @DisplayName("rule 23: HWPT_ALLOC validation order and flag errors")
    void hwptAllocValidation() {
        int ioas = ioasAlloc();
        Mock a = mockDomain(ioas, 0);
        MemorySegment c = hwptAllocStruct(a.idevId(), ioas, 0);
        IommuHwptAlloc.DATA_LEN.set(c, 8);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c))).isEqualTo(Errno.EINVAL);
        IommuHwptAlloc.DATA_LEN.set(c, 0);
        IommuHwptAlloc.DATA_TYPE.set(c, IommufdTestConst.IOMMU_HWPT_DATA_SELFTEST);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c))).isEqualTo(Errno.EINVAL);
        IommuHwptAlloc.DATA_TYPE.set(c, 0);
        IommuHwptAlloc.PT_ID.set(c, 9999);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c))).isEqualTo(Errno.EINVAL);
        IommuHwptAlloc.DEV_ID.set(c, 9999);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> hwptAlloc(a.idevId(), ioas, 1 << 30))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() ->
                        hwptAlloc(a.idevId(), ioas, IommuHwptAlloc.FAULT_ID_VALID | IommuHwptAlloc.ALLOC_NEST_PARENT)))
                .isEqualTo(Errno.EOPNOTSUPP);
        Mock noDirty = mockDomain(ioas, IommufdTestConst.MOCK_FLAGS_DEVICE_NO_DIRTY);
        assertThat(errno(() -> hwptAlloc(noDirty.idevId(), ioas, IommuHwptAlloc.ALLOC_DIRTY_TRACKING)))
                .isEqualTo(Errno.EOPNOTSUPP);
    }

    @Test
    @DisplayName("GET_HW_INFO: the selftest type and register, zero-filled tail, driver length back")
    void hwInfo() {
        int ioas = ioasAlloc();
        Mock a = mockDomain(ioas, 0);
        MemorySegment data = buffer(PAGE);
        data.fill((byte) 0x5a);
        MemorySegment c = IommuHwInfo.DEF.allocate(arena);
        IommuHwInfo.SIZE.set(c, (int) IommuHwInfo.DEF.size());
        IommuHwInfo.DEV_ID.set(c, a.idevId());
        IommuHwInfo.DATA_LEN.set(c, 16);
        IommuHwInfo.DATA_UPTR.set(c, data.address());
        ioctl(IommufdIoctl.IOMMU_GET_HW_INFO, c);
        assertThat(IommuHwInfo.OUT_DATA_TYPE.get(c)).isEqualTo(IommufdTestConst.IOMMU_HW_INFO_TYPE_SELFTEST);
        assertThat(IommuHwInfo.DATA_LEN.get(c)).isEqualTo(8);
        assertThat(data.get(ValueLayout.JAVA_INT, 4)).isEqualTo(IommufdTestConst.IOMMU_HW_INFO_SELFTEST_REGVAL);
        assertThat(data.get(ValueLayout.JAVA_LONG, 8)).isZero();
        assertThat(data.get(ValueLayout.JAVA_BYTE, 16)).isEqualTo((byte) 0x5a);
        assertThat(IommuHwInfo.OUT_CAPABILITIES.get(c) & IommuHwInfo.HW_CAP_DIRTY_TRACKING)
                .isNotZero();
    }
}
