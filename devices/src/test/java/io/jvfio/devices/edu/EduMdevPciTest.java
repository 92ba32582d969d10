package io.jvfio.devices.edu;

import static io.jvfio.abi.vfio.VfioConst.*;
import static io.jvfio.devices.edu.EduDevice.*;
import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.devices.DefaultPlatform;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.vfio.TestMachine;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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

    private final TestMachine m =
            TestMachine.on(EmulatedKernel.create(EmulatorConfig.defaults(), new DefaultPlatform()));

    @Test
    void eduDmasThroughTheAccessObjectAndSignalsMsi() {
        m.bind(EDU, "vfio-mdev-pci");
        m.write("/sys/bus/pci/devices/" + EDU + "/mdev_supported_types/vfio-mdev-pci-1/create", UUID);

        TestMachine.Iommufd iommufd = m.openIommufd();
        int ioas = iommufd.ioasAlloc();
        MemorySegment buf = iommufd.buffer(2 * Linux.PAGE_SIZE);
        iommufd.mapFixed(ioas, buf.address(), buf.byteSize(), IOVA);
        int dfd = m.openBound("/dev/vfio/devices/vfio0", iommufd.fd);
        m.attach(dfd, ioas);

        long config = (long) VFIO_PCI_CONFIG_REGION_INDEX << 40;
        assertThat(m.pread(dfd, REG_IDENTIFICATION, 4)).isEqualTo(IDENTIFICATION);
        m.pwrite(dfd, config + COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);

        // RAM → edu's buffer → back to the second page.
        for (int i = 0; i < LENGTH; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
        }
        m.pwrite(dfd, REG_DMA_SOURCE, 8, IOVA);
        m.pwrite(dfd, REG_DMA_DESTINATION, 8, DMA_BUFFER);
        m.pwrite(dfd, REG_DMA_COUNT, 8, LENGTH);
        m.pwrite(dfd, REG_DMA_COMMAND, 8, DMA_RUN);
        m.pwrite(dfd, REG_DMA_SOURCE, 8, DMA_BUFFER);
        m.pwrite(dfd, REG_DMA_DESTINATION, 8, IOVA + Linux.PAGE_SIZE);
        m.pwrite(dfd, REG_DMA_COMMAND, 8, DMA_RUN | DMA_TO_RAM);
        assertThat(buf.asSlice(Linux.PAGE_SIZE, LENGTH).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(buf.asSlice(0, LENGTH).toArray(ValueLayout.JAVA_BYTE));

        // Factorial with its completion interrupt on MSI.
        int efd = m.msiTrigger(dfd);
        m.pwrite(dfd, REG_STATUS, 4, STATUS_IRQ_FACTORIAL);
        m.pwrite(dfd, REG_FACTORIAL, 4, 10);
        assertThat(m.pread(dfd, REG_FACTORIAL, 4)).isEqualTo(3628800);
        assertThat(m.eventCount(efd)).isEqualTo(1);
        assertThat(m.pread(dfd, REG_INTERRUPT_STATUS, 4)).isEqualTo(IRQ_FACTORIAL);

        m.kernel.close(dfd);
        m.kernel.close(efd);
        m.write("/sys/bus/mdev/devices/" + UUID + "/remove", "1");
        iommufd.close();
    }
}
