package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.Harness.FIXED;
import static io.jvfio.emulator.iommufd.Harness.PAGE;
import static io.jvfio.emulator.iommufd.Harness.RW;
import static io.jvfio.emulator.iommufd.IommufdDevice.NO_PASID;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.abi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.PciIommu;
import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.InterruptSink;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciRegs;
import io.jvfio.emulator.pci.PciTopology;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PCI functions behind the VT-d IOMMU through the in-kernel API: groups, DMA, dirty bits from DMA writes. */
class PciDeviceTest {
    private static final long IOVA = 0x10_0000;

    private static PciFunction fn() {
        return PciFunction.builder(0x1234, 0x11e8).intx().build();
    }

    private static PciFunction master(PciTopology t, IommuDevice dev, String address) {
        PciFunction f = t.function(PciAddress.parse(address)).orElseThrow();
        f.attach(dev.dmaPort(), InterruptSink.NONE);
        f.config().write(PciRegs.COMMAND, 2, PciRegs.COMMAND_MASTER);
        return f;
    }

    @Test
    void groupMembersShareTheAttachmentAndDmaWritesSetDirtyBits() throws DmaFaultException {
        PciTopology t = PciTopology.build(
                List.of(PciNode.endpoint(6, 0, fn()), PciNode.endpoint(6, 1, fn()), PciNode.endpoint(7, 0, fn())));
        PciIommu iommu = PciIommu.probe(t);
        IommuDevice d60 = iommu.device(PciAddress.parse("00:06.0")).orElseThrow();
        IommuDevice d61 = iommu.device(PciAddress.parse("00:06.1")).orElseThrow();
        IommuDevice d70 = iommu.device(PciAddress.parse("00:07.0")).orElseThrow();
        assertThat(d60.group()).isSameAs(d61.group()).isNotSameAs(d70.group());
        assertThat(d60.group().id())
                .isEqualTo(t.iommuGroup(PciAddress.parse("00:06.0")).id());
        try (Harness h = new Harness()) {
            d70.group().useDefaultDomain(); // a host driver owns 07.0: claiming DMA ownership is EPERM
            assertThat(errno(() -> IommufdDevice.bind(h.ctx, d70))).isEqualTo(Errno.EPERM);

            int ioas = h.ioasAlloc();
            MemorySegment buf = h.buffer(2 * PAGE);
            h.map(ioas, RW | FIXED, buf.address(), 2 * PAGE, IOVA);
            IommufdDevice a = IommufdDevice.bind(h.ctx, d60);
            IommufdDevice b = IommufdDevice.bind(h.ctx, d61);
            PciFunction f61 = master(t, d61, "00:06.1");
            MemorySegment word = h.arena.allocate(8);
            word.set(ValueLayout.JAVA_LONG, 0, 77);
            assertThatThrownBy(() -> f61.dma().write(IOVA, word)).isInstanceOf(DmaFaultException.class);

            MemorySegment alloc = IommuHwptAlloc.DEF.allocate(h.arena);
            IommuHwptAlloc.SIZE.set(alloc, (int) IommuHwptAlloc.DEF.size());
            IommuHwptAlloc.DEV_ID.set(alloc, a.id());
            IommuHwptAlloc.PT_ID.set(alloc, ioas);
            IommuHwptAlloc.FLAGS.set(alloc, IommuHwptAlloc.ALLOC_DIRTY_TRACKING);
            h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_HWPT_ALLOC, alloc);
            int hwpt = IommuHwptAlloc.OUT_HWPT_ID.get(alloc);
            assertThat(a.attach(NO_PASID, hwpt)).isEqualTo(hwpt);
            // The group already translates through hwpt: 06.1 reaches memory before attaching itself.
            f61.dma().write(IOVA + PAGE, word);
            assertThat(buf.get(ValueLayout.JAVA_LONG, PAGE)).isEqualTo(77);
            assertThat(errno(() -> b.attach(NO_PASID, ioas))).isEqualTo(Errno.EINVAL);
            b.attach(NO_PASID, hwpt);

            MemorySegment track = IommuHwptSetDirtyTracking.DEF.allocate(h.arena);
            IommuHwptSetDirtyTracking.SIZE.set(track, (int) IommuHwptSetDirtyTracking.DEF.size());
            IommuHwptSetDirtyTracking.HWPT_ID.set(track, hwpt);
            IommuHwptSetDirtyTracking.FLAGS.set(track, IommuHwptSetDirtyTracking.DIRTY_TRACKING_ENABLE);
            h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, track);
            f61.dma().write(IOVA + PAGE + 16, word);

            MemorySegment bitmap = h.buffer(PAGE);
            MemorySegment get = IommuHwptGetDirtyBitmap.DEF.allocate(h.arena);
            IommuHwptGetDirtyBitmap.SIZE.set(get, (int) IommuHwptGetDirtyBitmap.DEF.size());
            IommuHwptGetDirtyBitmap.HWPT_ID.set(get, hwpt);
            IommuHwptGetDirtyBitmap.IOVA.set(get, IOVA);
            IommuHwptGetDirtyBitmap.LENGTH.set(get, 2 * PAGE);
            IommuHwptGetDirtyBitmap.PAGE_SIZE.set(get, PAGE);
            IommuHwptGetDirtyBitmap.DATA.set(get, bitmap.address());
            h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP, get);
            // The buffer may be one 8 KiB leaf or two 4 KiB leaves: the written page is dirty either way.
            assertThat(bitmap.get(ValueLayout.JAVA_LONG, 0) & 0b10).isEqualTo(0b10);

            a.detach(NO_PASID);
            f61.dma().write(IOVA, word); // 06.1 still attached: the group stays on hwpt
            b.detach(NO_PASID);
            assertThatThrownBy(() -> f61.dma().write(IOVA, word)).isInstanceOf(DmaFaultException.class);
            a.unbind();
            b.unbind();
            assertThat(d60.group().isDmaOwned()).isFalse();
        }
    }
}
