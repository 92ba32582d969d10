package io.jvfio.conformance.nvme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.api.DmaBuffer;
import io.jvfio.api.Jvfio;
import io.jvfio.api.VfioDevice;
import io.jvfio.api.driver.NvmeDriver;
import io.jvfio.api.driver.NvmeDriver.Completion;
import io.jvfio.api.driver.NvmeIdentity;
import io.jvfio.api.driver.NvmeStatusException;
import io.jvfio.conformance.Backend;
import io.jvfio.conformance.Conformance;
import io.jvfio.conformance.TestDevices;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The userspace NVMe driver ({@link NvmeDriver}) against QEMU 7.2's nvme: the emulated controller at
 * 0000:00:05.0 (bound to vfio-pci here through sysfs), or in the test VM the real QEMU device that
 * vm/run binds (JVFIO_NVME_BDF or /run/jvfio/devices).
 */
@Conformance
class NvmeDriverTest {

    private Jvfio jvfio;

    @AfterEach
    void close() {
        if (jvfio != null) {
            jvfio.close();
        }
    }

    private NvmeDriver driver(Kernel kernel, Completion completion) {
        String bdf = TestDevices.locate(kernel, TestDevices.Kind.NVME).bdf();
        jvfio = Jvfio.open(kernel);
        return NvmeDriver.open(jvfio, bdf, NvmeDriver.Options.defaults().withCompletion(completion));
    }

    @Test
    void identifyReportsQemusController(Kernel kernel) {
        try (NvmeDriver nvme = driver(kernel, Completion.POLL)) {
            NvmeIdentity id = nvme.identity();
            assertThat(id.vendorId()).isEqualTo(0x1b36);
            assertThat(id.model()).isEqualTo("QEMU NVMe Ctrl");
            assertThat(id.serial()).isNotBlank();
            assertThat(id.firmware()).isNotBlank();
            assertThat(id.namespaces()).isPositive();
            assertThat(id.blockSize()).isEqualTo(512);
            assertThat(id.blocks()).isGreaterThanOrEqualTo(64);
            // QEMU's MDTS 7 with 4 KiB pages
            assertThat(id.maxTransferBytes()).isEqualTo(512 * 1024);
            if (Backend.isEmulated()) {
                assertThat(id.serial()).isEqualTo("jvfio-nvme0");
                assertThat(id.capacityBytes()).isEqualTo(16L << 20);
            }
        }
    }

    @Test
    void writeReadBackAcrossAPrpListByPolling(Kernel kernel) {
        try (NvmeDriver nvme = driver(kernel, Completion.POLL)) {
            roundTrip(nvme, 5 * 4096, 0, 17);
            assertThat(nvme.interrupts()).isZero();
        }
    }

    @Test
    void writeReadBackWithMsixCompletion(Kernel kernel) {
        try (NvmeDriver nvme = driver(kernel, Completion.MSIX)) {
            long before = nvme.interrupts();
            roundTrip(nvme, 3 * 4096, 0, 3);
            assertThat(nvme.interrupts())
                    .as("MSI-X interrupts for write and read")
                    .isGreaterThanOrEqualTo(before + 2);
        }
    }

    @Test
    void transfersStartingMidPageUsePrp2AndLists(Kernel kernel) {
        try (NvmeDriver nvme = driver(kernel, Completion.POLL)) {
            roundTrip(nvme, 4096, 1024, 40); // two pages: PRP1 mid-page, PRP2 direct
            roundTrip(nvme, 3 * 4096, 512, 80); // four pages: PRP2 is a list
        }
    }

    @Test
    void flushSucceeds(Kernel kernel) {
        try (NvmeDriver nvme = driver(kernel, Completion.POLL)) {
            roundTrip(nvme, 4096, 0, 8);
            nvme.flush();
        }
    }

    @Test
    void readPastTheEndIsLbaOutOfRange(Kernel kernel) {
        try (NvmeDriver nvme = driver(kernel, Completion.POLL)) {
            DmaBuffer buf = nvme.allocate(4096);
            long last = nvme.identity().blocks();
            assertThatThrownBy(() -> nvme.read(last, 1, buf, 0))
                    .isInstanceOfSatisfying(NvmeStatusException.class, e -> {
                        assertThat(e.sct()).isZero();
                        assertThat(e.sc()).isEqualTo(NvmeStatusException.SC_LBA_OUT_OF_RANGE);
                        assertThat(e.command()).isEqualTo("Read(lba " + last + ", 1 blocks)");
                        assertThat(e.getMessage()).contains("LBA out of range");
                    });
            // the queue keeps working after an error completion
            roundTrip(nvme, 4096, 0, 0);
        }
    }

    @Test
    void closeShutsDownAndReleasesTheDevice(Kernel kernel) {
        String bdf;
        try (NvmeDriver nvme = driver(kernel, Completion.POLL)) {
            bdf = TestDevices.locate(kernel, TestDevices.Kind.NVME).bdf();
            nvme.flush();
        }
        // Unbound from the iommufd and closed: the cdev opens and binds again.
        try (VfioDevice again = jvfio.openPciDevice(bdf)) {
            assertThat(again.bind(jvfio.openIommufd())).isPositive();
            assertThat(again.pciConfig().vendorId()).isEqualTo(0x1b36);
        }
    }

    /** Writes {@code bytes} of random data at {@code lba} from buffer offset {@code offset}, reads them back, compares. */
    private static void roundTrip(NvmeDriver nvme, int bytes, long offset, long lba) {
        int blocks = bytes / nvme.identity().blockSize();
        DmaBuffer out = nvme.allocate(offset + bytes);
        DmaBuffer in = nvme.allocate(offset + bytes);
        byte[] data = new byte[bytes];
        new Random(lba * 31 + bytes).nextBytes(data);
        MemorySegment.copy(MemorySegment.ofArray(data), 0, out.segment(), offset, bytes);
        nvme.write(lba, blocks, out, offset);
        nvme.read(lba, blocks, in, offset);
        byte[] back = in.segment().asSlice(offset, bytes).toArray(ValueLayout.JAVA_BYTE);
        assertThat(back).as("%d bytes read back from lba %d", bytes, lba).isEqualTo(data);
        nvme.release(out);
        nvme.release(in);
    }
}
