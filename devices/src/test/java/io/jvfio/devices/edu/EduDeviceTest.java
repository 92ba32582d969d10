package io.jvfio.devices.edu;

import static io.jvfio.devices.edu.EduDevice.*;
import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.emulator.pci.Bar;
import io.jvfio.emulator.pci.InterruptSink;
import io.jvfio.emulator.pci.MsiMessage;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.SegmentDmaPort;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EduDeviceTest {
    private static final long HOST_IOVA = 0x100000;
    private static final int HOST_SIZE = 0x4000;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment host = arena.allocate(HOST_SIZE);
    private final SegmentDmaPort port = new SegmentDmaPort().map(HOST_IOVA, host);
    private final List<Boolean> intx = new ArrayList<>();
    private final List<MsiMessage> msi = new ArrayList<>();
    private final EduDevice edu = new EduDevice();
    private final PciFunction pci = edu.pci();
    private final Bar bar0 = pci.bar(0).orElseThrow();

    EduDeviceTest() {
        pci.attach(port, new InterruptSink() {
            @Override
            public void intx(PciFunction source, boolean asserted) {
                intx.add(asserted);
            }

            @Override
            public void msi(PciFunction source, MsiMessage message) {
                msi.add(message);
            }
        });
        pci.config().write(COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);
    }

    @AfterEach
    void close() {
        arena.close();
    }

    private long reg(int offset) {
        return bar0.read(offset, 4);
    }

    private void set(int offset, long value) {
        bar0.write(offset, 4, value);
    }

    private void enableMsi() {
        pci.config().write(0x44, 4, 0xfee00000);
        pci.config().write(0x4c, 2, 0x41);
        pci.config().write(0x40 + MSI_FLAGS, 2, MSI_FLAGS_ENABLE);
    }

    @Test
    void configSpaceMatchesQemu() {
        var c = pci.config();
        assertThat(c.read(io.jvfio.emulator.pci.PciRegs.VENDOR_ID, 4)).isEqualTo(0x11e8_1234);
        assertThat(c.read(CLASS_REVISION, 4)).isEqualTo(0x00ff0010);
        assertThat(c.read(SUBSYSTEM_VENDOR_ID, 4)).isEqualTo(0x1100_1af4);
        assertThat(c.read(INTERRUPT_PIN, 1)).isEqualTo(1);
        assertThat(c.read(CAPABILITY_LIST, 1)).isEqualTo(0x40);
        assertThat(c.read(0x40, 2)).isEqualTo(CAP_ID_MSI); // the only capability
        assertThat(c.read(0x40 + MSI_FLAGS, 2)).isEqualTo(MSI_FLAGS_64BIT);
        assertThat(pci.configSize()).isEqualTo(256);
        c.write(0x10, 4, -1);
        assertThat(c.read(0x10, 4)).isEqualTo(0xfff00000); // 1 MiB, 32-bit, not prefetchable
        assertThat(pci.bars()).hasSize(1);
    }

    @Test
    void identification() {
        assertThat(reg(REG_IDENTIFICATION)).isEqualTo(0x010000edL);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void livenessReturnsTheComplement(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < 100; i++) {
            int v = r.nextInt();
            set(REG_LIVENESS, v & 0xffffffffL);
            assertThat(reg(REG_LIVENESS)).isEqualTo(~v & 0xffffffffL);
        }
    }

    @Test
    void accessSizesFollowQemu() {
        assertThat(bar0.read(REG_IDENTIFICATION, 2)).isZero();
        assertThat(bar0.read(REG_IDENTIFICATION, 1)).isZero();
        assertThat(bar0.read(REG_IDENTIFICATION, 8)).isEqualTo(-1L);
        bar0.write(REG_FACTORIAL, 8, 5);
        assertThat(reg(REG_FACTORIAL)).isZero(); // the 8-byte write was dropped
        bar0.write(REG_LIVENESS, 2, 5);
        assertThat(reg(REG_LIVENESS)).isZero();
        bar0.write(REG_DMA_SOURCE, 8, 0x1_2345_6789L);
        assertThat(bar0.read(REG_DMA_SOURCE, 8)).isEqualTo(0x1_2345_6789L);
        assertThat(bar0.read(REG_DMA_SOURCE, 4)).isEqualTo(0x2345_6789L);
        assertThat(reg(0x30)).isEqualTo(0xffffffffL); // unassigned register
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 5, 10, 12, 13, 20, 33, 34, 100})
    void factorialModulo2To32(int n) {
        set(REG_FACTORIAL, n);
        assertThat(reg(REG_STATUS) & STATUS_COMPUTING).isZero();
        int expected = 1;
        for (int v = 1; v <= n; v++) {
            expected *= v;
        }
        assertThat(reg(REG_FACTORIAL)).isEqualTo(expected & 0xffffffffL);
    }

    @Test
    void factorialOfTheLargestInputTerminates() {
        set(REG_FACTORIAL, 0xffffffffL);
        assertThat(reg(REG_FACTORIAL)).isZero();
    }

    @Test
    void factorialInterruptByIntxThenAck() {
        set(REG_STATUS, STATUS_IRQ_FACTORIAL | STATUS_COMPUTING);
        assertThat(reg(REG_STATUS)).isEqualTo(STATUS_IRQ_FACTORIAL); // computing is read-only
        set(REG_FACTORIAL, 5);
        assertThat(reg(REG_FACTORIAL)).isEqualTo(120);
        assertThat(reg(REG_INTERRUPT_STATUS)).isEqualTo(IRQ_FACTORIAL);
        assertThat(intx).containsExactly(true);
        set(REG_INTERRUPT_ACK, IRQ_FACTORIAL);
        assertThat(reg(REG_INTERRUPT_STATUS)).isZero();
        assertThat(intx).containsExactly(true, false);
        set(REG_STATUS, 0);
        set(REG_FACTORIAL, 3);
        assertThat(intx).hasSize(2);
    }

    @Test
    void factorialInterruptByMsi() {
        enableMsi();
        set(REG_STATUS, STATUS_IRQ_FACTORIAL);
        set(REG_FACTORIAL, 4);
        assertThat(msi).containsExactly(new MsiMessage(0xfee00000L, 0x41));
        assertThat(intx).isEmpty();
    }

    @Test
    void raiseAndAcknowledgeInterrupts() {
        set(REG_INTERRUPT_RAISE, 0x5);
        assertThat(reg(REG_INTERRUPT_STATUS)).isEqualTo(0x5);
        assertThat(intx).containsExactly(true);
        set(REG_INTERRUPT_STATUS, 0); // read-only
        assertThat(reg(REG_INTERRUPT_STATUS)).isEqualTo(0x5);
        set(REG_INTERRUPT_ACK, 0x1);
        assertThat(intx).containsExactly(true);
        set(REG_INTERRUPT_ACK, 0x4);
        assertThat(intx).containsExactly(true, false);
        assertThat(pci.config().read(STATUS, 2) & STATUS_INTERRUPT).isZero();
    }

    private void dma(long src, long dst, long count, int command) {
        bar0.write(REG_DMA_SOURCE, 8, src);
        bar0.write(REG_DMA_DESTINATION, 8, dst);
        bar0.write(REG_DMA_COUNT, 8, count);
        bar0.write(REG_DMA_COMMAND, 8, command);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void dmaRoundTripBothDirections(long seed) {
        Random r = new Random(seed);
        int count = 1 + r.nextInt(DMA_BUFFER_SIZE - 1);
        byte[] pattern = new byte[count];
        r.nextBytes(pattern);
        MemorySegment.copy(pattern, 0, host, ValueLayout.JAVA_BYTE, 0, count);
        dma(HOST_IOVA, DMA_BUFFER, count, DMA_RUN);
        assertThat(bar0.read(REG_DMA_COMMAND, 8) & DMA_RUN).isZero();
        dma(DMA_BUFFER, HOST_IOVA + 0x2000, count, DMA_RUN | DMA_TO_RAM | DMA_IRQ);
        assertThat(host.asSlice(0x2000, count).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(pattern);
        assertThat(host.get(ValueLayout.JAVA_BYTE, 0x2000 + count)).isZero();
        assertThat(reg(REG_INTERRUPT_STATUS)).isEqualTo(IRQ_DMA);
        assertThat(bar0.read(REG_DMA_COMMAND, 8)).isEqualTo(DMA_TO_RAM | DMA_IRQ);
        assertThat(port.faults()).isEmpty();
    }

    @Test
    void dmaAtAnOffsetInTheBuffer() {
        host.asSlice(0, 16).fill((byte) 0x5a);
        dma(HOST_IOVA, DMA_BUFFER + 0xff0, 15, DMA_RUN);
        dma(DMA_BUFFER + 0xff0, HOST_IOVA + 0x100, 15, DMA_RUN | DMA_TO_RAM);
        assertThat(host.get(ValueLayout.JAVA_BYTE, 0x100 + 14)).isEqualTo((byte) 0x5a);
        assertThat(edu.hardwareErrors()).isZero();
    }

    @Test
    void qemu72RejectsADmaOfTheWholeBuffer() {
        host.asSlice(0, DMA_BUFFER_SIZE).fill((byte) 1);
        dma(HOST_IOVA, DMA_BUFFER, DMA_BUFFER_SIZE, DMA_RUN | DMA_IRQ);
        dma(DMA_BUFFER, HOST_IOVA + 0x2000, DMA_BUFFER_SIZE, DMA_RUN | DMA_TO_RAM | DMA_IRQ);
        assertThat(edu.hardwareErrors()).isEqualTo(2);
        assertThat(host.asSlice(0x2000, DMA_BUFFER_SIZE).toArray(ValueLayout.JAVA_BYTE))
                .containsOnly(0);
        assertThat(reg(REG_INTERRUPT_STATUS)).isZero();
        assertThat(bar0.read(REG_DMA_COMMAND, 8) & DMA_RUN).isZero();
        dma(HOST_IOVA, DMA_BUFFER, DMA_BUFFER_SIZE - 1, DMA_RUN);
        assertThat(edu.hardwareErrors()).isEqualTo(2);
    }

    @Test
    void boundsCheckEdges() {
        assertThat(EduDevice.inBuffer(DMA_BUFFER, 4095)).isTrue();
        assertThat(EduDevice.inBuffer(DMA_BUFFER, 4096)).isFalse();
        assertThat(EduDevice.inBuffer(DMA_BUFFER, 0)).isFalse();
        assertThat(EduDevice.inBuffer(DMA_BUFFER + 1, 4095)).isFalse();
        assertThat(EduDevice.inBuffer(DMA_BUFFER + 4095, 1)).isFalse();
        assertThat(EduDevice.inBuffer(DMA_BUFFER - 1, 2)).isFalse();
        assertThat(EduDevice.inBuffer(DMA_BUFFER + 1, -1L)).isFalse();
    }

    @Test
    void unmappedIovaFaultsAndTouchesNothingButTheCommandCompletes() {
        enableMsi();
        dma(DMA_BUFFER, 0x200000, 64, DMA_RUN | DMA_TO_RAM | DMA_IRQ);
        assertThat(port.faults()).singleElement().satisfies(f -> {
            assertThat(f.iova()).isEqualTo(0x200000);
            assertThat(f.isWrite()).isTrue();
        });
        assertThat(bar0.read(REG_DMA_COMMAND, 8) & DMA_RUN).isZero();
        assertThat(msi).hasSize(1); // QEMU's edu does not notice the failed transfer
    }

    @Test
    void ramAddressIsClampedTo28Bits() {
        host.set(ValueLayout.JAVA_BYTE, 7, (byte) 0x77);
        dma(HOST_IOVA | 1L << 28, DMA_BUFFER, 8, DMA_RUN);
        dma(DMA_BUFFER, HOST_IOVA + 0x3000, 8, DMA_RUN | DMA_TO_RAM);
        assertThat(host.get(ValueLayout.JAVA_BYTE, 0x3007)).isEqualTo((byte) 0x77);
    }

    @Test
    void noDmaWithoutBusMaster() {
        pci.config().write(COMMAND, 2, COMMAND_MEMORY);
        host.asSlice(0, 8).fill((byte) 3);
        dma(HOST_IOVA, DMA_BUFFER, 8, DMA_RUN);
        pci.config().write(COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);
        dma(DMA_BUFFER, HOST_IOVA + 0x100, 8, DMA_RUN | DMA_TO_RAM);
        assertThat(host.get(ValueLayout.JAVA_BYTE, 0x100)).isZero();
    }
}
