package io.jvfio.devices.edu;

import static io.jvfio.abi.vfio.VfioConst.*;
import static io.jvfio.devices.edu.EduDevice.*;
import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.devices.DefaultPlatform;
import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.EmulatorConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * edu wrapped by vfio-mdev-pci, end to end through the boundary: its DMA reaches the user's IOAS
 * only through the mdev's access object, and its MSI reaches the user's eventfd.
 */
class EduMdevPciTest {
    private static final String EDU = "0000:00:04.0";
    private static final String UUID = "a297db4a-f4c2-11e6-90f6-d3b88d6c9525";
    private static final long IOVA = 0x1000000;
    private static final int LENGTH = 2048;

    private final EmulatedKernel k = EmulatedKernel.create(EmulatorConfig.defaults(), new DefaultPlatform());
    private final Arena arena = Arena.ofAuto();

    private void write(String path, String text) {
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

    private void pwrite(int fd, long offset, int size, long value) {
        MemorySegment v = arena.allocate(8);
        v.set(ValueLayout.JAVA_LONG, 0, value);
        assertThat(k.pwrite(fd, v.asSlice(0, size), offset)).isEqualTo(size);
    }

    private long pread(int fd, long offset, int size) {
        MemorySegment v = arena.allocate(8);
        assertThat(k.pread(fd, v.asSlice(0, size), offset)).isEqualTo(size);
        return v.get(ValueLayout.JAVA_LONG, 0);
    }

    @Test
    void eduDmasThroughTheAccessObjectAndSignalsMsi() {
        write("/sys/bus/pci/devices/" + EDU + "/driver_override", "vfio-mdev-pci\n");
        write("/sys/bus/pci/drivers_probe", EDU + "\n");
        write("/sys/bus/pci/devices/" + EDU + "/mdev_supported_types/vfio-mdev-pci-1/create", UUID);

        int iommufd = k.open("/dev/iommu", Linux.O.RDWR);
        MemorySegment alloc = IommuIoasAlloc.DEF.allocate(arena);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, alloc);
        int ioas = IommuIoasAlloc.OUT_IOAS_ID.get(alloc);
        MemorySegment buf = k.mmap(
                2 * Linux.PAGE_SIZE,
                Linux.Prot.READ | Linux.Prot.WRITE,
                Linux.Map.PRIVATE | Linux.Map.ANONYMOUS,
                -1,
                0);
        MemorySegment map = IommuIoasMap.DEF.allocate(arena);
        IommuIoasMap.FLAGS.set(
                map, IommuIoasMap.FLAG_FIXED_IOVA | IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE);
        IommuIoasMap.IOAS_ID.set(map, ioas);
        IommuIoasMap.USER_VA.set(map, buf.address());
        IommuIoasMap.LENGTH.set(map, 2 * Linux.PAGE_SIZE);
        IommuIoasMap.IOVA.set(map, IOVA);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP, map);

        int dfd = k.open("/dev/vfio/devices/vfio0", Linux.O.RDWR);
        MemorySegment bind = VfioDeviceBindIommufd.DEF.allocate(arena);
        VfioDeviceBindIommufd.IOMMUFD.set(bind, iommufd);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind);
        MemorySegment attach = VfioDeviceAttachIommufdPt.DEF.allocate(arena);
        VfioDeviceAttachIommufdPt.PT_ID.set(attach, ioas);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);

        long config = (long) VFIO_PCI_CONFIG_REGION_INDEX << 40;
        assertThat(pread(dfd, REG_IDENTIFICATION, 4)).isEqualTo(IDENTIFICATION);
        pwrite(dfd, config + COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);

        // RAM → edu's buffer → back to the second page.
        for (int i = 0; i < LENGTH; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
        }
        pwrite(dfd, REG_DMA_SOURCE, 8, IOVA);
        pwrite(dfd, REG_DMA_DESTINATION, 8, DMA_BUFFER);
        pwrite(dfd, REG_DMA_COUNT, 8, LENGTH);
        pwrite(dfd, REG_DMA_COMMAND, 8, DMA_RUN);
        pwrite(dfd, REG_DMA_SOURCE, 8, DMA_BUFFER);
        pwrite(dfd, REG_DMA_DESTINATION, 8, IOVA + Linux.PAGE_SIZE);
        pwrite(dfd, REG_DMA_COMMAND, 8, DMA_RUN | DMA_TO_RAM);
        assertThat(buf.asSlice(Linux.PAGE_SIZE, LENGTH).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(buf.asSlice(0, LENGTH).toArray(ValueLayout.JAVA_BYTE));

        // Factorial with its completion interrupt on MSI.
        int efd = k.eventfd(0, Linux.O.NONBLOCK);
        MemorySegment irqs = VfioIrqSet.DEF.allocate(arena, 4);
        VfioIrqSet.FLAGS.set(irqs, VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER);
        VfioIrqSet.INDEX.set(irqs, VFIO_PCI_MSI_IRQ_INDEX);
        VfioIrqSet.COUNT.set(irqs, 1);
        irqs.set(ValueLayout.JAVA_INT, VfioIrqSet.DEF.minSize(), efd);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_SET_IRQS, irqs);
        pwrite(dfd, REG_STATUS, 4, STATUS_IRQ_FACTORIAL);
        pwrite(dfd, REG_FACTORIAL, 4, 10);
        assertThat(pread(dfd, REG_FACTORIAL, 4)).isEqualTo(3628800);
        MemorySegment counter = arena.allocate(8);
        assertThat(k.read(efd, counter)).isEqualTo(8);
        assertThat(counter.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(1);
        assertThat(pread(dfd, REG_INTERRUPT_STATUS, 4)).isEqualTo(IRQ_FACTORIAL);

        k.close(dfd);
        k.close(efd);
        write("/sys/bus/mdev/devices/" + UUID + "/remove", "1");
        k.close(iommufd);
        k.munmap(buf);
    }
}
