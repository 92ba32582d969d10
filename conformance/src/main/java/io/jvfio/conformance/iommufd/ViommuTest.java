package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuViommuAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuViommuSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rule 29: vIOMMU and vDEVICE lifecycle and tombstones (mmap regions not covered). */
class ViommuTest extends MockDeviceFixture {
    @Test
    @DisplayName("rule 29: VIOMMU_ALLOC needs a NEST_PARENT HWPT and a real type; data is echoed")
    void viommuAllocation() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int plain = hwptAlloc(dev.idevId(), ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        MemorySegment dflt = viommuStruct(dev.idevId(), parent, IommuViommuAlloc.TYPE_DEFAULT);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_VIOMMU_ALLOC, dflt))).isEqualTo(Errno.EOPNOTSUPP);
        MemorySegment flags = viommuStruct(dev.idevId(), parent, IommufdTestConst.IOMMU_VIOMMU_TYPE_SELFTEST);
        IommuViommuAlloc.FLAGS.set(flags, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_VIOMMU_ALLOC, flags))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> viommuAlloc(dev.idevId(), 9999))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> viommuAlloc(dev.idevId(), plain))).isEqualTo(Errno.EINVAL);
        MemorySegment data = buffer(PAGE);
        IommuViommuSelftest.IN_DATA.set(data, 0xabcd);
        MemorySegment c = viommuStruct(dev.idevId(), parent, IommufdTestConst.IOMMU_VIOMMU_TYPE_SELFTEST);
        IommuViommuAlloc.DATA_LEN.set(c, (int) IommuViommuSelftest.DEF.size());
        IommuViommuAlloc.DATA_UPTR.set(c, data.address());
        ioctl(IommufdIoctl.IOMMU_VIOMMU_ALLOC, c);
        assertThat(IommuViommuSelftest.OUT_DATA.get(data)).isEqualTo(0xabcd);
        IommuViommuAlloc.DATA_LEN.set(c, (int) IommuViommuSelftest.DEF.size() + 8);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_VIOMMU_ALLOC, c))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> destroy(parent))).isEqualTo(Errno.EBUSY);
        destroy(IommuViommuAlloc.OUT_VIOMMU_ID.get(c));
    }

    @Test
    @DisplayName("rule 29: one vDEVICE per device, unique virt_id, tombstoned when the device goes")
    void vdevicesAndTombstones() {
        int ioas = ioasAlloc();
        Mock a = mockDomain(ioas, 0);
        Mock b = mockDomain(ioas, 0);
        int parent = hwptAlloc(a.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        int viommu = viommuAlloc(a.idevId(), parent);
        int vdev = vdeviceAlloc(viommu, a.idevId(), 0x99);
        assertThat(errno(() -> vdeviceAlloc(viommu, a.idevId(), 0x98))).isEqualTo(Errno.EEXIST);
        assertThat(errno(() -> vdeviceAlloc(viommu, b.idevId(), 0x99))).isEqualTo(Errno.EEXIST);
        assertThat(errno(() -> vdeviceAlloc(9999, b.idevId(), 0x97))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> destroy(viommu))).isEqualTo(Errno.EBUSY);
        int vdevB = vdeviceAlloc(viommu, b.idevId(), 0x97);
        destroy(vdevB);
        destroy(a.stdevId()); // unbinding the device force-destroys its vDEVICE
        assertThat(errno(() -> destroy(vdev))).isEqualTo(Errno.ENOENT);
        // The tombstoned ID is skipped while lower and higher free IDs are handed out.
        for (int fresh = ioasAlloc(); fresh <= vdev + 1; fresh = ioasAlloc()) {
            assertThat(fresh).isNotEqualTo(vdev);
        }
        destroy(viommu);
    }
}
