package io.jvfio.conformance.vfiopci;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.conformance.Backend;
import io.jvfio.conformance.TestDevices;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * QEMU's NVMe controller through vfio-pci, polled (no interrupts): admin queues, Identify, an I/O
 * queue pair, a write read back, and a read into an unmapped PRP, which the IOMMU refuses and the
 * controller reports as a data transfer error.
 */
class NvmeTest extends VfioPciFixture {
    private static final long IOVA = 0x100000;
    private static final long ASQ = 0;
    private static final long ACQ = 0x1000;
    private static final long IOSQ = 0x2000;
    private static final long IOCQ = 0x3000;
    private static final long IDENTIFY = 0x4000;
    private static final long DATA = 0x5000;
    private static final long READBACK = 0x6000;
    /** Status field bit 14: the controller says retrying is pointless. */
    private static final int DO_NOT_RETRY = 0x4000;
    /** Page-aligned, below edu/NVMe DMA limits, and never mapped by these tests. */
    private static final long UNMAPPED_IOVA = 0x8000000;

    private static final int ENTRIES = 16;
    private static final int DATA_TRANSFER_ERROR = 0x0004;

    private MemorySegment mem;
    private final int[] sqTail = new int[2];
    private final int[] cqHead = new int[2];
    private final int[] phase = {1, 1};
    private int cid;

    @BeforeEach
    void openNvme(Kernel kernel) throws InterruptedException {
        open(kernel, TestDevices.Kind.NVME);
        mem = dmaBuffer(16 * PAGE, IOVA);
        enableCommand(0x2 | 0x4);
        pwrite(0x14, 4, 0); // CC.EN = 0
        awaitClear(0x1c, 4, 0x1);
        pwrite(0x24, 4, (ENTRIES - 1) << 16 | (ENTRIES - 1));
        pwrite(0x28, 8, IOVA + ASQ);
        pwrite(0x30, 8, IOVA + ACQ);
        pwrite(0x14, 4, 1 | 6 << 16 | 4 << 20);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((pread(0x1c, 4) & 0x1) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(pread(0x1c, 4) & 0x3).as("CSTS.RDY, no CFS").isEqualTo(1);
    }

    /** Submits a command on queue {@code q} and returns the status field of its completion. */
    private int submit(int q, int opcode, int nsid, long prp1, int cdw10, int cdw11, int cdw12)
            throws InterruptedException {
        return submit(q, opcode, nsid, prp1, 0, cdw10, cdw11, cdw12);
    }

    /** As above, with PRP2 (the second page, or the address of a PRP list). */
    private int submit(int q, int opcode, int nsid, long prp1, long prp2, int cdw10, int cdw11, int cdw12)
            throws InterruptedException {
        long sq = q == 0 ? ASQ : IOSQ;
        long cq = q == 0 ? ACQ : IOCQ;
        MemorySegment e = mem.asSlice(sq + 64L * sqTail[q], 64);
        e.fill((byte) 0);
        int id = ++cid;
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 0, opcode | id << 16);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 4, nsid);
        e.set(ValueLayout.JAVA_LONG_UNALIGNED, 24, prp1);
        e.set(ValueLayout.JAVA_LONG_UNALIGNED, 32, prp2);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 40, cdw10);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 44, cdw11);
        e.set(ValueLayout.JAVA_INT_UNALIGNED, 48, cdw12);
        sqTail[q] = (sqTail[q] + 1) % ENTRIES;
        pwrite(0x1000 + 8L * q, 4, sqTail[q]);
        MemorySegment c = mem.asSlice(cq + 16L * cqHead[q], 16);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (((c.get(ValueLayout.JAVA_INT_UNALIGNED, 12) >>> 16) & 1) != phase[q]) {
            assertThat(System.nanoTime()).as("completion in time").isLessThan(deadline);
            Thread.sleep(1);
        }
        int dw3 = c.get(ValueLayout.JAVA_INT_UNALIGNED, 12);
        assertThat(dw3 & 0xffff).as("command id").isEqualTo(id);
        cqHead[q] = (cqHead[q] + 1) % ENTRIES;
        if (cqHead[q] == 0) {
            phase[q] ^= 1;
        }
        pwrite(0x1000 + 8L * q + 4, 4, cqHead[q]);
        return dw3 >>> 17;
    }

    private void createIoQueues() throws InterruptedException {
        assertThat(submit(0, 0x05, 0, IOVA + IOCQ, 1 | (ENTRIES - 1) << 16, 1, 0))
                .isZero();
        assertThat(submit(0, 0x01, 0, IOVA + IOSQ, 1 | (ENTRIES - 1) << 16, 1 | 1 << 16, 0))
                .isZero();
    }

    @Test
    void identifyController() throws InterruptedException {
        assertThat(submit(0, 0x06, 0, IOVA + IDENTIFY, 1, 0, 0)).isZero();
        MemorySegment id = mem.asSlice(IDENTIFY, 4096);
        assertThat(id.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0) & 0xffff).isEqualTo(0x1b36);
        String model = new String(id.asSlice(24, 40).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
        assertThat(model.trim()).isEqualTo("QEMU NVMe Ctrl");
    }

    @Test
    void writeThenReadBack() throws InterruptedException {
        createIoQueues();
        for (int i = 0; i < 4096; i++) {
            mem.set(ValueLayout.JAVA_BYTE, DATA + i, (byte) (i * 13 + 1));
        }
        assertThat(submit(1, 0x01, 1, IOVA + DATA, 8, 0, 7)).isZero();
        assertThat(submit(1, 0x02, 1, IOVA + READBACK, 8, 0, 7)).isZero();
        assertThat(mem.asSlice(READBACK, 4096).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(mem.asSlice(DATA, 4096).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void unmappedPrpListIsADataTransferError() throws InterruptedException {
        createIoQueues();
        // A 12 KiB read: PRP1 is mapped, PRP2 names a PRP list page at an unmapped IOVA. Fetching
        // the list faults in the IOMMU and the command fails before any data moves.
        assertThat(submit(1, 0x02, 1, IOVA + READBACK, UNMAPPED_IOVA, 0, 0, 23))
                .isEqualTo(DATA_TRANSFER_ERROR | DO_NOT_RETRY);
        // The controller is still usable afterwards.
        assertThat(submit(1, 0x02, 1, IOVA + READBACK, 0, 0, 0)).isZero();
        assertThat(pread(0x1c, 4) & 0x2).as("no fatal status").isZero();
    }

    @Test
    void unmappedDataPageIsADataTransferError() throws InterruptedException {
        // QEMU moves data pages through its bounce buffer, which swallows the IOMMU fault and
        // completes the command; our controller reports it (docs/differences.md).
        Backend.assumeEmulated("QEMU's nvme completes a data-page DMA fault successfully");
        createIoQueues();
        assertThat(submit(1, 0x02, 1, UNMAPPED_IOVA, 0, 0, 7)).isEqualTo(DATA_TRANSFER_ERROR);
        assertThat(submit(1, 0x02, 1, IOVA + READBACK, 0, 0, 0)).isZero();
    }
}
