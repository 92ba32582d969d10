package io.jvfio.emulator.iommufd;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuViommuAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuViommuSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.EmulatorConfig;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** mmap of /dev/iommu: what the mappings keep alive. */
class IommufdMmapTest {
    @Test
    @DisplayName("a mapping keeps the context after close; unmapping its last page releases it")
    void mappingHoldsTheContext() {
        Harness h = new Harness(EmulatorConfig.defaults().withIommufdTest(true));
        int ioas = h.ioasAlloc();
        int dev = h.mockDomain(ioas)[1];
        int parent = h.hwptAlloc(dev, ioas, IommuHwptAlloc.ALLOC_NEST_PARENT, 0);
        MemorySegment data = h.buffer(Harness.PAGE);
        MemorySegment v = IommuViommuAlloc.DEF.allocate(h.arena);
        IommuViommuAlloc.SIZE.set(v, (int) IommuViommuAlloc.DEF.size());
        IommuViommuAlloc.DEV_ID.set(v, dev);
        IommuViommuAlloc.HWPT_ID.set(v, parent);
        IommuViommuAlloc.TYPE.set(v, IommufdTestConst.IOMMU_VIOMMU_TYPE_SELFTEST);
        IommuViommuAlloc.DATA_LEN.set(v, (int) IommuViommuSelftest.DEF.size());
        IommuViommuAlloc.DATA_UPTR.set(v, data.address());
        h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_VIOMMU_ALLOC, v);
        MemorySegment m = h.kernel.mmap(
                IommuViommuSelftest.OUT_MMAP_LENGTH.get(data),
                Linux.Prot.READ,
                Linux.Map.SHARED,
                h.fd,
                IommuViommuSelftest.OUT_MMAP_OFFSET.get(data));
        h.close();
        assertThat(h.ctx.objects.objects()).isNotEmpty();
        h.kernel.munmap(m.asSlice(0, Harness.PAGE));
        assertThat(h.ctx.objects.objects()).isNotEmpty();
        h.kernel.munmap(m.asSlice(Harness.PAGE, Harness.PAGE));
        assertThat(h.ctx.objects.objects()).isEmpty();
    }
}
