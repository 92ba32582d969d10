package io.jvfio.api.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.api.DmaAccess;
import io.jvfio.api.DmaBuffer;
import io.jvfio.api.EmulatedPlatform;
import io.jvfio.api.Ioas;
import io.jvfio.api.Iommufd;
import io.jvfio.api.Irq;
import io.jvfio.api.Jvfio;
import io.jvfio.api.PciDevices;
import io.jvfio.api.Region;
import io.jvfio.api.VfioDevice;
import io.jvfio.api.driver.NvmeDriver;
import io.jvfio.api.driver.NvmeIdentity;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The examples of docs/api.md and docs/cli.md, run on the emulated backend (DocExamplesTest in the
 * cli module checks that the docs show exactly these regions).
 */
class ApiExamplesTest {
    @BeforeEach
    void emulated() {
        System.setProperty(Jvfio.BACKEND_PROPERTY, "emulated");
    }

    @AfterEach
    void automatic() {
        System.clearProperty(Jvfio.BACKEND_PROPERTY);
    }

    @Test
    void choosingABackend() {
        String out = Stdout.capture(() -> {
            // docs:begin backends
            try (Jvfio auto = Jvfio.open(); // property jvfio.backend if set; else native when
                    // /dev/iommu is usable here, else emulated
                    Jvfio emulated = Jvfio.open("emulated"); // by name, through KernelProvider
                    Jvfio described = Jvfio.open(EmulatedPlatform.of("edu", "nvme,size=64M")); // a machine you describe
                    Jvfio over = Jvfio.open(emulated.kernel())) { // over a Kernel you already have
                System.out.println(auto.backend() + ", " + emulated.backend() + ", " + described.backend() + ", "
                        + over.backend());
            }
            // docs:end backends
        });
        assertThat(out).isEqualTo("emulated, emulated, emulated, emulated\n");
    }

    @Test
    void dmaWithEdu() {
        String out = Stdout.capture(() -> {
            // docs:begin edu-dma
            try (Jvfio jvfio = Jvfio.open()) {
                jvfio.bindToVfioPci("0000:00:04.0"); // driver_override + drivers_probe, unless bound already
                Iommufd iommufd = jvfio.openIommufd();
                VfioDevice edu = jvfio.openPciDevice("0000:00:04.0"); // sysfs → /dev/vfio/devices/vfioN
                DmaBuffer buf = jvfio.allocateDma(4096);
                edu.bind(iommufd); // VFIO_DEVICE_BIND_IOMMUFD
                Ioas ioas = iommufd.allocIoas();
                int hwpt = edu.attach(ioas); // the automatic HWPT's ID
                long iova = buf.map(ioas, DmaAccess.READ_WRITE).iova(); // kernel-chosen IOVA

                edu.pciConfig().enableBusMaster();
                Region bar0 = edu.region(0);
                buf.segment().setString(0, "hello, device");

                // RAM → device buffer: source, destination, count, then "start" (direction 0)
                bar0.write(0x80, 8, iova);
                bar0.write(0x88, 8, 0x40000);
                bar0.write(0x90, 8, 64);
                bar0.write(0x98, 8, 0x1);
                while ((bar0.read(0x98, 8) & 1) != 0) {
                    Thread.onSpinWait();
                }

                // device buffer → RAM, at the buffer's second half, signalling MSI when done
                Irq msi = edu.irq(1);
                msi.enable(1);
                bar0.write(0x80, 8, 0x40000);
                bar0.write(0x88, 8, iova + 2048);
                bar0.write(0x90, 8, 64);
                bar0.write(0x98, 8, 0x1 | 0x2 | 0x4);
                if (msi.await(0, Duration.ofSeconds(5)) == 0) {
                    throw new IllegalStateException("no interrupt");
                }
                bar0.write(0x64, 4, 0x100); // acknowledge edu's DMA interrupt
                System.out.println(buf.segment().getString(2048) + " (HWPT " + hwpt + ")");
            } // closes everything opened through jvfio, newest first: buf (unmapped first), edu (IRQs
            // off, fd closed, so unbound and detached), iommufd (every object in it)
            // docs:end edu-dma
        });
        assertThat(out).matches("hello, device \\(HWPT \\d+\\)\n");
    }

    @Test
    void describingTheMachine() {
        String out = Stdout.capture(() -> {
            // docs:begin platform
            EmulatedPlatform machine = EmulatedPlatform.builder()
                    .device("nvme,size=64M,serial=disk0") // 0000:00:04.0, the first free slot
                    .device("pcie-root-port,id=rp0,acs=off") // 0000:00:05.0, no ACS
                    .device("edu,bus=rp0") // 0000:01:00.0, not isolated from its port
                    .device("mtty") // the mdev sample driver, loaded at boot
                    .build();
            try (Jvfio jvfio = Jvfio.open(machine)) {
                for (PciDevices.PciDevice d : jvfio.pciDevices()) {
                    System.out.println(d.bdf() + "  " + d.className() + ", IOMMU group "
                            + d.iommuGroup().orElseThrow());
                }
            }
            // docs:end platform
        });
        assertThat(out).isEqualTo("""
                        0000:00:04.0  Non-Volatile memory controller, IOMMU group 0
                        0000:00:05.0  PCI bridge, IOMMU group 1
                        0000:01:00.0  Unclassified device, IOMMU group 1
                        """);
    }

    @Test
    void theNvmeDriver() {
        String out = Stdout.capture(() -> {
            // docs:begin nvme-driver
            try (Jvfio jvfio = Jvfio.open()) {
                jvfio.bindToVfioPci("0000:00:05.0");
                try (NvmeDriver nvme = NvmeDriver.open(
                        jvfio,
                        "0000:00:05.0",
                        NvmeDriver.Options.defaults().withCompletion(NvmeDriver.Completion.MSIX))) {
                    NvmeIdentity id = nvme.identity(); // model, serial, firmware, blocks, block size
                    DmaBuffer buf = nvme.allocate(64 * 1024); // mapped into the controller's IOAS
                    buf.segment().fill((byte) 0x5a);
                    nvme.write(2048, 128, buf, 0); // PRP1/PRP2 or a PRP list as needed
                    buf.segment().fill((byte) 0);
                    nvme.read(2048, 128, buf, 0);
                    nvme.flush();
                    System.out.println(id.model() + ", " + id.blocks() + " blocks, read back 0x"
                            + Integer.toHexString(buf.segment().get(ValueLayout.JAVA_BYTE, 4095)));
                } // Delete I/O queues, CC.SHN and wait for SHST, free buffers, detach, close (unbind), iommufd
            }
            // docs:end nvme-driver
        });
        assertThat(out).isEqualTo("QEMU NVMe Ctrl, 32768 blocks, read back 0x5a\n");
    }
}
