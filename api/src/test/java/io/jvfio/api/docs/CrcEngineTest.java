package io.jvfio.api.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.api.DmaAccess;
import io.jvfio.api.DmaBuffer;
import io.jvfio.api.EmulatedPlatform;
import io.jvfio.api.Ioas;
import io.jvfio.api.Iommufd;
import io.jvfio.api.Irq;
import io.jvfio.api.Jvfio;
import io.jvfio.api.Region;
import io.jvfio.api.VfioDevice;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The tutorial's CRC-32 engine driven through vfio-pci with the typed API (docs/devices.md). */
class CrcEngineTest {
    @Test
    void theEngineChecksumsABufferByDmaAndSignalsMsix() {
        String out = Stdout.capture(() -> {
            // docs:begin crc-drive
            try (Jvfio jvfio = Jvfio.open(EmulatedPlatform.of("crc32"))) { // at 0000:00:04.0
                jvfio.bindToVfioPci("0000:00:04.0");
                Iommufd iommufd = jvfio.openIommufd();
                VfioDevice crc = jvfio.openPciDevice("0000:00:04.0");
                crc.bind(iommufd);
                Ioas ioas = iommufd.allocIoas();
                crc.attach(ioas);
                DmaBuffer buf = jvfio.allocateDma(4096);
                buf.map(ioas, 0x10000, DmaAccess.READ_WRITE);
                buf.segment().setString(0, "123456789"); // CRC-32's check string

                crc.pciConfig().enableBusMaster();
                Irq msix = crc.irq(2); // VFIO_PCI_MSIX_IRQ_INDEX
                msix.enable(1);
                Region bar0 = crc.region(0);
                bar0.write(0x08, 8, 0x10000); // source
                bar0.write(0x10, 4, 9); // length
                bar0.write(0x18, 8, 0x10000 + 1024); // result
                bar0.write(0x20, 4, 1); // run
                long interrupts = msix.await(0, Duration.ofSeconds(5));
                System.out.printf(
                        "status %d, CRC 0x%08x, %d interrupt%n",
                        bar0.read(0x24, 4), buf.segment().get(ValueLayout.JAVA_INT, 1024), interrupts);
            }
            // docs:end crc-drive
        });
        assertThat(out).isEqualTo("status 1, CRC 0xcbf43926, 1 interrupt\n");
    }

    @Test
    void dmaToAnIovaTheIommuDoesNotMapFaultsAndMovesNothing() {
        try (Jvfio jvfio = Jvfio.open(EmulatedPlatform.of("crc32,addr=1f.0"))) {
            jvfio.bindToVfioPci("0000:00:1f.0");
            Iommufd iommufd = jvfio.openIommufd();
            VfioDevice crc = jvfio.openPciDevice("0000:00:1f.0");
            crc.bind(iommufd);
            Ioas ioas = iommufd.allocIoas();
            crc.attach(ioas);
            DmaBuffer buf = jvfio.allocateDma(4096);
            buf.map(ioas, 0x10000, DmaAccess.READ); // the device may read, not write
            crc.pciConfig().enableBusMaster();
            Region bar0 = crc.region(0);
            assertThat(bar0.read(CrcEngine.REG_ID, 4)).isEqualTo(CrcEngine.ID & 0xffffffffL);
            bar0.write(CrcEngine.REG_SOURCE, 8, 0x10000);
            bar0.write(CrcEngine.REG_LENGTH, 4, 16);
            bar0.write(CrcEngine.REG_RESULT, 8, 0x10000 + 64);
            bar0.write(CrcEngine.REG_COMMAND, 4, 1);
            assertThat(bar0.read(CrcEngine.REG_STATUS, 4)).isEqualTo(2);
            assertThat(buf.segment().get(ValueLayout.JAVA_INT, 64)).isZero();
            bar0.write(CrcEngine.REG_LENGTH, 4, 0);
            bar0.write(CrcEngine.REG_COMMAND, 4, 1);
            assertThat(bar0.read(CrcEngine.REG_STATUS, 4)).isEqualTo(3);
            // Bus mastering off: the PCI model refuses the DMA before the IOMMU sees it.
            crc.pciConfig().write16(0x04, crc.pciConfig().command() & ~0x4);
            buf.map(ioas, 0x20000, DmaAccess.READ_WRITE);
            bar0.write(CrcEngine.REG_LENGTH, 4, 16);
            bar0.write(CrcEngine.REG_RESULT, 8, 0x20000);
            bar0.write(CrcEngine.REG_COMMAND, 4, 1);
            assertThat(bar0.read(CrcEngine.REG_STATUS, 4)).isEqualTo(2);
        }
    }
}
