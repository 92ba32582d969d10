package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuViommuAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuViommuSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rule 29: vIOMMU and vDEVICE lifecycle, tombstones, and the vIOMMU's mmap region. */
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

    /** VIOMMU_ALLOC of the selftest type with {@code iommu_viommu_selftest} data; returns {id, data}. */
    Object[] viommuWithData(int devId, int hwptId, int inData) {
        MemorySegment data = buffer(PAGE);
        IommuViommuSelftest.IN_DATA.set(data, inData);
        MemorySegment c = viommuStruct(devId, hwptId, IommufdTestConst.IOMMU_VIOMMU_TYPE_SELFTEST);
        IommuViommuAlloc.DATA_LEN.set(c, (int) IommuViommuSelftest.DEF.size());
        IommuViommuAlloc.DATA_UPTR.set(c, data.address());
        ioctl(IommufdIoctl.IOMMU_VIOMMU_ALLOC, c);
        return new Object[] {IommuViommuAlloc.OUT_VIOMMU_ID.get(c), data};
    }

    MemorySegment mmapIommufd(long length, int prot, int flags, long offset) {
        return k.mmap(length, prot, flags, fd, offset);
    }

    @Test
    @DisplayName("rule 29: the mock vIOMMU's pages map only at their exact offset and length, and keep it busy")
    void viommuMmap() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        Object[] v = viommuWithData(dev.idevId(), parent, 0xbeef);
        int viommu = (int) v[0];
        MemorySegment data = (MemorySegment) v[1];
        assertThat(IommuViommuSelftest.OUT_DATA.get(data)).isEqualTo(0xbeef);
        long length = IommuViommuSelftest.OUT_MMAP_LENGTH.get(data);
        long offset = IommuViommuSelftest.OUT_MMAP_OFFSET.get(data);
        assertThat(length).isEqualTo(2 * PAGE);
        // The first page of the offset space is never handed out.
        assertThat(offset).isEqualTo(PAGE);
        int rw = Linux.Prot.READ | Linux.Prot.WRITE;
        // As the kernel's viommu_alloc_with_data: offset and length cannot change.
        assertThat(errno(() -> mmapIommufd(length, rw, Linux.Map.SHARED, offset + PAGE)))
                .isEqualTo(Errno.ENXIO);
        assertThat(errno(() -> mmapIommufd(length, rw, Linux.Map.SHARED, offset + 2 * PAGE)))
                .isEqualTo(Errno.ENXIO);
        assertThat(errno(() -> mmapIommufd(length / 2, rw, Linux.Map.SHARED, offset)))
                .isEqualTo(Errno.ENXIO);
        assertThat(errno(() -> mmapIommufd(length * 2, rw, Linux.Map.SHARED, offset)))
                .isEqualTo(Errno.ENXIO);
        assertThat(errno(() -> mmapIommufd(length, rw, Linux.Map.SHARED, 0))).isEqualTo(Errno.ENXIO);
        assertThat(errno(() -> mmapIommufd(length, rw, Linux.Map.PRIVATE, offset)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> mmapIommufd(length, rw | Linux.Prot.EXEC, Linux.Map.SHARED, offset)))
                .isEqualTo(Errno.EPERM);
        assertThat(errno(() -> mmapIommufd(length, rw, Linux.Map.SHARED, offset + 1)))
                .isEqualTo(Errno.EINVAL);
        // A second vIOMMU's region lies after the first.
        Object[] second = viommuWithData(dev.idevId(), parent, 0x1234);
        assertThat(IommuViommuSelftest.OUT_MMAP_OFFSET.get((MemorySegment) second[1]))
                .isEqualTo(offset + length);

        MemorySegment a = mmapIommufd(length, rw, Linux.Map.SHARED, offset);
        MemorySegment b = mmapIommufd(length, Linux.Prot.READ, Linux.Map.SHARED, offset);
        assertThat(a.get(ValueLayout.JAVA_INT, 0)).isEqualTo(0xbeef);
        // Both map the same pages.
        a.set(ValueLayout.JAVA_INT, PAGE + 4, 0x5678);
        assertThat(b.get(ValueLayout.JAVA_INT, PAGE + 4)).isEqualTo(0x5678);
        assertThat(errno(() -> destroy(viommu))).isEqualTo(Errno.EBUSY);
        k.munmap(b);
        // What is left of a mapping still holds the vIOMMU.
        k.munmap(a.asSlice(0, PAGE));
        assertThat(errno(() -> destroy(viommu))).isEqualTo(Errno.EBUSY);
        k.munmap(a.asSlice(PAGE, PAGE));
        destroy(viommu);
        destroy((int) second[0]);
        // The freed offset is handed out again.
        Object[] third = viommuWithData(dev.idevId(), parent, 0);
        assertThat(IommuViommuSelftest.OUT_MMAP_OFFSET.get((MemorySegment) third[1]))
                .isEqualTo(offset);
        destroy((int) third[0]);
    }

    @Test
    @DisplayName("rule 29: a mapping keeps the iommufd open; its vIOMMU goes once it is unmapped and the fd closed")
    void viommuMmapOutlivesTheFd() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        MemorySegment data = (MemorySegment) viommuWithData(dev.idevId(), parent, 0xcafe)[1];
        MemorySegment m = mmapIommufd(
                IommuViommuSelftest.OUT_MMAP_LENGTH.get(data),
                Linux.Prot.READ,
                Linux.Map.SHARED,
                IommuViommuSelftest.OUT_MMAP_OFFSET.get(data));
        k.close(fd);
        fd = -1;
        assertThat(m.get(ValueLayout.JAVA_INT, 0)).isEqualTo(0xcafe);
        k.munmap(m);
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
