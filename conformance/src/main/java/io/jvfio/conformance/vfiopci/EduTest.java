package io.jvfio.conformance.vfiopci;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.conformance.TestDevices;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** QEMU's edu through vfio-pci: factorial with an MSI, DMA both ways through the IOAS. */
class EduTest extends VfioPciFixture {
    private static final int COMMAND_MEMORY = 0x2;
    private static final int COMMAND_MASTER = 0x4;
    /** edu's DMA mask is 28 bits: IOVAs must stay below 256 MiB. */
    private static final long IOVA = 0x100000;

    private static final long FACTORIAL = 0x08;
    private static final long STATUS = 0x20;
    private static final long IRQ_STATUS = 0x24;
    private static final long IRQ_ACK = 0x64;
    private static final long DMA_SRC = 0x80;
    private static final long DMA_DST = 0x88;
    private static final long DMA_CNT = 0x90;
    private static final long DMA_CMD = 0x98;
    private static final long EDU_BUFFER = 0x40000;

    @BeforeEach
    void openEdu(Kernel kernel) {
        open(kernel, TestDevices.Kind.EDU);
    }

    @Test
    void factorialRaisesMsi() throws InterruptedException {
        int efd = trigger(VfioConst.VFIO_PCI_MSI_IRQ_INDEX);
        // An MSI is a DMA write: without bus mastering the interrupt is lost (QEMU and emulation).
        enableCommand(COMMAND_MEMORY | COMMAND_MASTER);
        assertThat(pread(0, 4)).isEqualTo(0x010000edL);
        pwrite(STATUS, 4, 0x80);
        pwrite(FACTORIAL, 4, 10);
        awaitClear(STATUS, 4, 0x01);
        assertThat(pread(FACTORIAL, 4)).isEqualTo(3628800L);
        assertThat(awaitEventfd(efd)).isEqualTo(1);
        assertThat(pread(IRQ_STATUS, 4) & 0x1).isEqualTo(1);
        pwrite(IRQ_ACK, 4, 0x1);
        assertThat(pread(IRQ_STATUS, 4)).isZero();
    }

    @Test
    void dmaRoundTripThroughTheIoas() throws InterruptedException {
        MemorySegment buf = dmaBuffer(2 * PAGE, IOVA);
        for (int i = 0; i < 2048; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
        }
        int efd = trigger(VfioConst.VFIO_PCI_MSI_IRQ_INDEX);
        enableCommand(COMMAND_MEMORY | COMMAND_MASTER);
        // RAM -> device buffer, with a completion interrupt
        pwrite(DMA_SRC, 8, IOVA);
        pwrite(DMA_DST, 8, EDU_BUFFER);
        pwrite(DMA_CNT, 8, 2048);
        pwrite(DMA_CMD, 8, 0x1 | 0x4);
        awaitClear(DMA_CMD, 8, 0x1);
        assertThat(awaitEventfd(efd)).isEqualTo(1);
        assertThat(pread(IRQ_STATUS, 4) & 0x100).isEqualTo(0x100);
        pwrite(IRQ_ACK, 4, 0x100);
        // device buffer -> the second page
        pwrite(DMA_SRC, 8, EDU_BUFFER);
        pwrite(DMA_DST, 8, IOVA + PAGE);
        pwrite(DMA_CNT, 8, 2048);
        pwrite(DMA_CMD, 8, 0x1 | 0x2);
        awaitClear(DMA_CMD, 8, 0x1);
        assertThat(buf.asSlice(PAGE, 2048).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(buf.asSlice(0, 2048).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void withoutBusMasterNothingIsWritten() throws InterruptedException {
        MemorySegment buf = dmaBuffer(PAGE, IOVA);
        enableCommand(COMMAND_MEMORY);
        pwrite(DMA_SRC, 8, EDU_BUFFER);
        pwrite(DMA_DST, 8, IOVA);
        pwrite(DMA_CNT, 8, 64);
        pwrite(DMA_CMD, 8, 0x1 | 0x2);
        awaitClear(DMA_CMD, 8, 0x1);
        Thread.sleep(200); // QEMU runs the transfer from a timer
        assertThat(buf.asSlice(0, 64).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
    }
}
