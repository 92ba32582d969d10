package io.jvfio.devices.nvme;

import static io.jvfio.devices.nvme.NvmeController.*;
import static io.jvfio.devices.nvme.NvmeTestDriver.*;
import static io.jvfio.emulator.pci.PciRegs.COMMAND;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MASTER;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MEMORY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.emulator.pci.InterruptSink;
import io.jvfio.emulator.pci.MigratableDevice;
import io.jvfio.emulator.pci.PcieType;
import io.jvfio.emulator.pci.SegmentDmaPort;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * The NVMe controller's migration state: the namespace sent ahead while it runs, the blocks
 * written after that, and its queues — a command whose doorbell was rung while the controller
 * was stopped runs on the controller that resumes the state.
 */
class NvmeMigrationTest {
    private static final long NAMESPACE_BYTES = 4L << 20;
    private static final int BLOCKS = 8;

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment host = arena.allocate(HOST_SIZE, 4096);
    private final NvmeController source = new NvmeController(NvmeConfig.of("src", NAMESPACE_BYTES));
    private final NvmeTestDriver driver = new NvmeTestDriver(source, host, InterruptSink.NONE, 64);

    private void fill(long offset, int seed) {
        for (int i = 0; i < BLOCKS * LBA_SIZE; i++) {
            host.set(ValueLayout.JAVA_BYTE, offset + i, (byte) (i * seed + 1));
        }
    }

    private byte[] blocks(NvmeController c, long slba) {
        return c.namespace().asSlice(slba * LBA_SIZE, BLOCKS * LBA_SIZE).toArray(ValueLayout.JAVA_BYTE);
    }

    private byte[] hostBytes(long offset) {
        return host.asSlice(offset, BLOCKS * LBA_SIZE).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void aCommandInFlightCompletesOnTheControllerThatResumes() {
        driver.enable();
        driver.createIoQueues(32, 0);
        fill(DATA, 3);
        requireSuccess(driver.write(0, BLOCKS, IOVA + DATA, 0));
        MigratableDevice model = source.pci().migratable().orElseThrow();
        byte[] initial;
        synchronized (source.pci()) {
            initial = model.saveInitial(); // PRE_COPY: the namespace goes ahead
        }
        assertThat(initial.length).as("one non-zero chunk of the namespace").isEqualTo(4 + 4096);
        fill(DATA + 0x1000, 5);
        requireSuccess(driver.write(8, BLOCKS, IOVA + DATA + 0x1000, 0)); // dirtied after it

        byte[] fin;
        synchronized (source.pci()) {
            model.setRunning(false);
        }
        // A write submitted and rung while stopped: SQ 1 slot 2 (two commands ran on it).
        fill(DATA + 0x2000, 7);
        long sqe = IOSQ + 2 * 64;
        host.asSlice(sqe, 64).fill((byte) 0);
        host.set(U32, sqe, 0x01 | 0x99 << 16);
        host.set(U32, sqe + 4, 1);
        host.set(U64, sqe + 24, IOVA + DATA + 0x2000);
        host.set(U32, sqe + 40, 16);
        host.set(U32, sqe + 48, BLOCKS - 1);
        driver.setReg(DOORBELLS + 8, 3);
        long cqe = IOCQ + 2 * 16;
        assertThat(host.get(U32, cqe + 12) >>> 16 & 1)
                .as("not run while stopped")
                .isZero();
        synchronized (source.pci()) {
            fin = model.saveFinal();
        }

        NvmeController target = new NvmeController(NvmeConfig.of("dst", NAMESPACE_BYTES));
        target.pci().config().write(COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);
        target.pci().attach(new SegmentDmaPort().map(IOVA, host), InterruptSink.NONE);
        MigratableDevice restored = target.pci().migratable().orElseThrow();
        synchronized (target.pci()) {
            restored.setRunning(false);
            restored.load(initial, fin);
            restored.setRunning(true);
        }
        int dw3 = host.get(U32, cqe + 12);
        assertThat(dw3 >>> 16 & 1).as("posted, phase 1").isEqualTo(1);
        assertThat(dw3 & 0xffff).as("cid").isEqualTo(0x99);
        assertThat(dw3 >>> 17).as("status").isZero();
        assertThat(host.get(U32, cqe + 8) & 0xffff).as("SQ head").isEqualTo(3);
        assertThat(target.pci().bar(0).orElseThrow().read(REG_CSTS, 4)).isEqualTo(CSTS_RDY);
        assertThat(blocks(target, 0)).isEqualTo(hostBytes(DATA));
        assertThat(blocks(target, 8)).isEqualTo(hostBytes(DATA + 0x1000));
        assertThat(blocks(target, 16)).isEqualTo(hostBytes(DATA + 0x2000));
        assertThat(blocks(source, 16)).as("the source never ran it").containsOnly(0);
    }

    @Test
    void aStateOfAnotherShapeIsRefused() {
        MigratableDevice model = source.pci().migratable().orElseThrow();
        NvmeController other =
                new NvmeController(new NvmeConfig("x", NAMESPACE_BYTES, 4, PcieType.RC_INTEGRATED_ENDPOINT));
        byte[] initial;
        byte[] fin;
        synchronized (source.pci()) {
            initial = model.saveInitial();
            fin = model.saveFinal();
        }
        MigratableDevice target = other.pci().migratable().orElseThrow();
        assertThatThrownBy(() -> target.load(initial, fin)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> target.load(initial, new byte[3])).isInstanceOf(IllegalArgumentException.class);
    }
}
