package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.CopyEngine.*;
import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.emulator.pci.CopyEngine;
import io.jvfio.emulator.vfio.TestMachine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * vfio-pci end to end on an emulated kernel: bind through sysfs, open the cdev, bind to iommufd,
 * attach an IOAS, and let a small DMA engine copy a buffer through the IOMMU with an MSI on
 * completion.
 */
class VfioPciDeviceFdTest {
    private static final String BDF = "0000:00:04.0";
    private static final long IOVA = 0x100000;

    private final TestMachine m =
            TestMachine.withFunctions(CopyEngine.withMsi(0x0001).function());

    @Test
    void dmaThroughTheIoasWithMsiCompletion() {
        m.bindToVfio(BDF);
        int dev = m.open("/dev/vfio/devices/vfio0");
        TestMachine.Iommufd iommufd = m.openIommufd();
        m.bindIommufd(dev, iommufd.fd);
        int ioas = iommufd.ioasAlloc();
        m.attach(dev, ioas);

        MemorySegment buf = iommufd.buffer(2 * Linux.PAGE_SIZE);
        for (int i = 0; i < 2048; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
        }
        iommufd.mapFixed(ioas, buf.address(), buf.byteSize(), IOVA);

        // Region info through the core: config space, BAR0.
        MemorySegment ri = VfioRegionInfo.DEF.allocate(Arena.ofAuto());
        VfioRegionInfo.INDEX.set(ri, VfioConst.VFIO_PCI_CONFIG_REGION_INDEX);
        m.kernel.ioctl(dev, VfioIoctl.VFIO_DEVICE_GET_REGION_INFO, ri);
        long cfg = VfioRegionInfo.OFFSET.get(ri);
        assertThat(VfioRegionInfo.SIZE.get(ri)).isEqualTo(256);

        int efd = m.msiTrigger(dev);

        m.pwrite(dev, cfg + COMMAND, 2, m.pread(dev, cfg + COMMAND, 2) | COMMAND_MEMORY | COMMAND_MASTER);
        m.pwrite(dev, SOURCE, 8, IOVA);
        m.pwrite(dev, DESTINATION, 8, IOVA + Linux.PAGE_SIZE);
        m.pwrite(dev, LENGTH, 8, 2048);
        m.pwrite(dev, GO, 4, 1);

        assertThat(buf.asSlice(Linux.PAGE_SIZE, 2048).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(buf.asSlice(0, 2048).toArray(ValueLayout.JAVA_BYTE));
        assertThat(m.pread(dev, FAULTS, 4)).isZero();
        assertThat(m.eventCount(efd)).isEqualTo(1);

        // An IOVA outside the IOAS faults in the IOMMU: nothing is written, the device sees a fault.
        m.pwrite(dev, DESTINATION, 8, 0x800000);
        m.pwrite(dev, GO, 4, 1);
        assertThat(m.pread(dev, FAULTS, 4)).isEqualTo(1);

        // Bus mastering off: the function refuses DMA.
        m.pwrite(dev, cfg + COMMAND, 2, COMMAND_MEMORY);
        m.pwrite(dev, DESTINATION, 8, IOVA + Linux.PAGE_SIZE);
        m.pwrite(dev, GO, 4, 1);
        assertThat(m.pread(dev, FAULTS, 4)).isEqualTo(2);

        m.kernel.close(dev);
        iommufd.close();
    }
}
