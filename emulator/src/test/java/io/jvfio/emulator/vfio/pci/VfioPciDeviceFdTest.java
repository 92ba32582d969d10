package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciPlatform;
import io.jvfio.emulator.pci.PciTopology;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * vfio-pci end to end on an emulated kernel: bind through sysfs, open the cdev, bind to iommufd,
 * attach an IOAS, and let a small DMA engine copy a buffer through the IOMMU with an MSI on
 * completion.
 */
class VfioPciDeviceFdTest {
    private static final String BDF = "0000:00:04.0";
    private static final long IOVA = 0x100000;

    /** Registers: 0x00 source IOVA, 0x08 destination IOVA, 0x10 length, 0x18 go (copy), 0x20 faults. */
    private static final class CopyEngine implements MmioHandler {
        PciFunction fn;
        long src;
        long dst;
        long len;
        long faults;

        @Override
        public long read(long offset, int size) {
            return offset == 0x20 ? faults : 0;
        }

        @Override
        public void write(long offset, int size, long value) {
            switch ((int) offset) {
                case 0x00 -> src = value;
                case 0x08 -> dst = value;
                case 0x10 -> len = value;
                case 0x18 -> copy();
                default -> {}
            }
        }

        private void copy() {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment tmp = a.allocate(len);
                fn.dma().read(src, tmp);
                fn.dma().write(dst, tmp);
            } catch (DmaFaultException e) {
                faults++;
            }
            fn.notifyMsi(0);
        }
    }

    private final CopyEngine engine = new CopyEngine();
    private final Arena arena = Arena.ofShared();
    private final EmulatedKernel k;

    VfioPciDeviceFdTest() {
        engine.fn = PciFunction.builder(0x1234, 0x0001)
                .intx()
                .memoryBar(0, 0x1000, false, false, engine)
                .msi(0x40, 1, true, false)
                .build();
        PciTopology t = PciTopology.build(List.of(PciNode.endpoint(4, 0, engine.fn)));
        k = EmulatedKernel.create(EmulatorConfig.defaults(), new PciPlatform() {
            @Override
            public String name() {
                return "vfio-pci-test";
            }

            @Override
            public PciTopology topology() {
                return t;
            }
        });
    }

    @AfterEach
    void close() {
        arena.close();
    }

    private void sysfsWrite(String path, String text) {
        int fd = k.open(path, Linux.O.WRONLY);
        try {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            MemorySegment buf = arena.allocate(b.length);
            MemorySegment.copy(MemorySegment.ofArray(b), 0, buf, 0, b.length);
            k.write(fd, buf);
        } finally {
            k.close(fd);
        }
    }

    private void pwrite(int fd, long pos, int size, long value) {
        MemorySegment b = arena.allocate(8);
        b.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        k.pwrite(fd, b.asSlice(0, size), pos);
    }

    private long pread(int fd, long pos, int size) {
        MemorySegment b = arena.allocate(8);
        k.pread(fd, b.asSlice(0, size), pos);
        return b.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) & (size == 8 ? -1L : (1L << (8 * size)) - 1);
    }

    @Test
    void dmaThroughTheIoasWithMsiCompletion() {
        sysfsWrite("/sys/bus/pci/devices/" + BDF + "/driver_override", "vfio-pci\n");
        sysfsWrite("/sys/bus/pci/drivers_probe", BDF + "\n");
        int dev = k.open("/dev/vfio/devices/vfio0", Linux.O.RDWR);
        int iommufd = k.open("/dev/iommu", Linux.O.RDWR);

        MemorySegment bind = arena.allocate(VfioDeviceBindIommufd.DEF.size());
        VfioDeviceBindIommufd.ARGSZ.set(bind, (int) VfioDeviceBindIommufd.DEF.size());
        VfioDeviceBindIommufd.IOMMUFD.set(bind, iommufd);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind);
        MemorySegment alloc = arena.allocate(IommuIoasAlloc.DEF.size());
        IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.DEF.size());
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, alloc);
        int ioas = IommuIoasAlloc.OUT_IOAS_ID.get(alloc);
        MemorySegment attach = arena.allocate(VfioDeviceAttachIommufdPt.DEF.size());
        VfioDeviceAttachIommufdPt.ARGSZ.set(attach, (int) VfioDeviceAttachIommufdPt.DEF.size());
        VfioDeviceAttachIommufdPt.PT_ID.set(attach, ioas);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);

        MemorySegment buf = k.mmap(
                2 * Linux.PAGE_SIZE,
                Linux.Prot.READ | Linux.Prot.WRITE,
                Linux.Map.PRIVATE | Linux.Map.ANONYMOUS,
                -1,
                0);
        for (int i = 0; i < 2048; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
        }
        MemorySegment map = arena.allocate(IommuIoasMap.DEF.size());
        IommuIoasMap.SIZE.set(map, (int) IommuIoasMap.DEF.size());
        IommuIoasMap.FLAGS.set(
                map, IommuIoasMap.FLAG_FIXED_IOVA | IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE);
        IommuIoasMap.IOAS_ID.set(map, ioas);
        IommuIoasMap.USER_VA.set(map, buf.address());
        IommuIoasMap.LENGTH.set(map, 2 * Linux.PAGE_SIZE);
        IommuIoasMap.IOVA.set(map, IOVA);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP, map);

        // Region info through the core: config space, BAR0.
        MemorySegment ri = arena.allocate(VfioRegionInfo.DEF.size());
        VfioRegionInfo.ARGSZ.set(ri, (int) VfioRegionInfo.DEF.size());
        VfioRegionInfo.INDEX.set(ri, VfioConst.VFIO_PCI_CONFIG_REGION_INDEX);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_GET_REGION_INFO, ri);
        long cfg = VfioRegionInfo.OFFSET.get(ri);
        assertThat(VfioRegionInfo.SIZE.get(ri)).isEqualTo(256);

        int efd = k.eventfd(0, Linux.Efd.NONBLOCK);
        MemorySegment irq = arena.allocate(24);
        VfioIrqSet.ARGSZ.set(irq, 24);
        VfioIrqSet.FLAGS.set(irq, VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER);
        VfioIrqSet.INDEX.set(irq, VfioConst.VFIO_PCI_MSI_IRQ_INDEX);
        VfioIrqSet.COUNT.set(irq, 1);
        irq.set(ValueLayout.JAVA_INT_UNALIGNED, 20, efd);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_SET_IRQS, irq);

        pwrite(dev, cfg + COMMAND, 2, pread(dev, cfg + COMMAND, 2) | COMMAND_MEMORY | COMMAND_MASTER);
        pwrite(dev, 0x00, 8, IOVA);
        pwrite(dev, 0x08, 8, IOVA + Linux.PAGE_SIZE);
        pwrite(dev, 0x10, 8, 2048);
        pwrite(dev, 0x18, 4, 1);

        assertThat(buf.asSlice(Linux.PAGE_SIZE, 2048).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(buf.asSlice(0, 2048).toArray(ValueLayout.JAVA_BYTE));
        assertThat(pread(dev, 0x20, 4)).isZero();
        MemorySegment count = arena.allocate(8);
        assertThat(k.read(efd, count)).isEqualTo(8);
        assertThat(count.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(1);

        // An IOVA outside the IOAS faults in the IOMMU: nothing is written, the device sees a fault.
        pwrite(dev, 0x08, 8, 0x800000);
        pwrite(dev, 0x18, 4, 1);
        assertThat(pread(dev, 0x20, 4)).isEqualTo(1);

        // Bus mastering off: the function refuses DMA.
        pwrite(dev, cfg + COMMAND, 2, COMMAND_MEMORY);
        pwrite(dev, 0x08, 8, IOVA + Linux.PAGE_SIZE);
        pwrite(dev, 0x18, 4, 1);
        assertThat(pread(dev, 0x20, 4)).isEqualTo(2);

        k.close(dev);
        k.close(iommufd);
        k.munmap(buf);
    }
}
