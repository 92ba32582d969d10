package io.jvfio.devices.ioat;

import static io.jvfio.devices.ioat.IoatDevice.*;
import static io.jvfio.emulator.pci.PciRegs.COMMAND;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MASTER;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MEMORY;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.emulator.pci.Bar;
import io.jvfio.emulator.pci.InterruptSink;
import io.jvfio.emulator.pci.MsiMessage;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PcieType;
import io.jvfio.emulator.pci.SegmentDmaPort;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The channel as the selftests' ioat driver and Linux's ioatdma program it. */
class IoatDeviceTest {
    private static final long IOVA = 0x100000;
    private static final int SIZE = 0x20000;
    private static final long DESC = IOVA; // descriptors at the start
    private static final long SRC = IOVA + 0x1000;
    private static final long DST = IOVA + 0x1000 + (1 << XFERCAP_LOG);
    private static final long COMPLETION = IOVA + 0x800;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment host = arena.allocate(SIZE);
    private final SegmentDmaPort port = new SegmentDmaPort().map(IOVA, host);
    private final List<MsiMessage> msi = new ArrayList<>();
    private final List<Boolean> intx = new ArrayList<>();
    private final IoatDevice ioat = new IoatDevice(PcieType.RC_INTEGRATED_ENDPOINT);
    private final PciFunction pci = ioat.pci();
    private final Bar bar0 = pci.bar(0).orElseThrow();

    IoatDeviceTest() {
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

    private long chan(int offset, int size) {
        return bar0.read(CHANNEL + offset, size);
    }

    private void setChan(int offset, int size, long value) {
        bar0.write(CHANNEL + offset, size, value);
    }

    private void enableMsix() {
        bar0.write(MSIX_TABLE, 4, 0xfee00000L);
        bar0.write(MSIX_TABLE + 8, 4, 0x41);
        bar0.write(MSIX_TABLE + 12, 4, 0); // unmask vector 0
        pci.config().write(0x80 + 2, 2, 0x8000);
        bar0.write(INTRCTRL, 1, INTRCTRL_MSIX_VECTOR_CONTROL);
    }

    /** A copy descriptor at {@code at} whose next is {@code next}. */
    private void descriptor(long at, long src, long dst, long size, int ctl, long next) {
        long o = at - IOVA;
        host.asSlice(o, DESC_SIZE).fill((byte) 0);
        host.set(U32, o, (int) size);
        host.set(U32, o + 4, ctl);
        host.set(U64, o + 8, src);
        host.set(U64, o + 16, dst);
        host.set(U64, o + 24, next);
    }

    private void start(int count) {
        setChan(CHAINADDR, 8, DESC);
        setChan(CHANCTRL, 2, 0x0001 | 0x0008); // INT_REARM | ANY_ERR_ABORT_EN, as the selftest
        setChan(DMACOUNT, 2, count);
    }

    private void fill(long iova, int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        MemorySegment.copy(MemorySegment.ofArray(b), 0, host, iova - IOVA, length);
    }

    @Test
    void identifiesAsTheSkylakeEngineTheSelftestsProbe() {
        assertThat(pci.config().read(0, 4)).isEqualTo(0x2021_8086);
        assertThat(pci.config().read(0x08, 4) >>> 8).isEqualTo(CLASS_CODE);
        assertThat(bar0.read(VER, 1)).isEqualTo(0x33);
        assertThat(bar0.read(CHANCNT, 1)).isEqualTo(1);
        assertThat(bar0.read(XFERCAP, 1)).isEqualTo(XFERCAP_LOG);
        assertThat(bar0.size()).isEqualTo(BAR0_SIZE);
        // The error registers Linux reads in config space: there and clear.
        assertThat(pci.configSize()).isEqualTo(4096);
        assertThat(pci.config().read(0x180, 4)).isZero();
        assertThat(pci.config().read(0x148, 4)).isZero();
    }

    @Test
    void resetHaltsTheChannelAndTheCommandBitReadsClear() {
        assertThat(chan(CHANSTS, 8) & 7).isEqualTo(CHANSTS_HALTED);
        setChan(CHANCMD, 1, CHANCMD_RESET);
        assertThat(chan(CHANCMD, 1)).isZero();
        assertThat(chan(CHANSTS, 8)).isEqualTo(CHANSTS_HALTED);
    }

    @Test
    void aChainGivenToAResetChannelArmsItAndDmacountRunsIt() {
        setChan(CHANCMD, 1, CHANCMD_RESET);
        setChan(CHAINADDR, 8, DESC);
        assertThat(chan(CHANSTS, 8)).as("exactly ARMED, as DPDK waits for").isEqualTo(CHANSTS_ARMED);
        fill(SRC, 64, 7);
        descriptor(DESC, SRC, DST, 64, 0, DESC);
        setChan(DMACOUNT, 2, 1);
        assertThat(chan(CHANSTS, 8)).isEqualTo(DESC | CHANSTS_DONE);
        // An error halt does not arm: only a reset does.
        descriptor(DESC, SRC, 0x40000000L, 64, 0, DESC);
        start(1);
        setChan(CHAINADDR, 8, DESC);
        assertThat(chan(CHANSTS, 8) & 7).isEqualTo(CHANSTS_HALTED);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 4096, 1 << XFERCAP_LOG})
    void fillsWithTheRepeatedPattern(int size) {
        assertThat(bar0.read(DMA_CAP, 4) & CAP_FILL_BLOCK).isEqualTo(CAP_FILL_BLOCK);
        host.asSlice(DST - IOVA, size + 8).fill((byte) 0x5a);
        descriptor(DESC, 0x0807_0605_0403_0201L, DST, size, OP_FILL << 24, DESC);
        start(1);
        assertThat(chan(CHANSTS, 8)).isEqualTo(DESC | CHANSTS_DONE);
        for (int i = 0; i < size; i++) {
            assertThat(host.get(ValueLayout.JAVA_BYTE, DST - IOVA + i)).isEqualTo((byte) (1 + i % 8));
        }
        assertThat(host.get(ValueLayout.JAVA_BYTE, DST - IOVA + size))
                .as("past the fill")
                .isEqualTo((byte) 0x5a);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 4096, 1 << XFERCAP_LOG})
    void copiesAndReportsTheCompletedDescriptor(int size) {
        fill(SRC, size, size);
        descriptor(DESC, SRC, DST, size, 0, DESC);
        start(1);
        assertThat(chan(CHANSTS, 8)).isEqualTo(DESC | CHANSTS_DONE);
        assertThat(host.asSlice(DST - IOVA, size).mismatch(host.asSlice(SRC - IOVA, size)))
                .isEqualTo(-1);
        assertThat(chan(CHANSTS, 4)).isEqualTo(DESC | CHANSTS_DONE); // the low half alone
        assertThat(chan(CDAR, 8)).isEqualTo(DESC);
        setChan(CHANCMD, 1, CHANCMD_SUSPEND);
        assertThat(chan(CHANSTS, 8) & 7).isEqualTo(CHANSTS_SUSPENDED);
        // The next copy goes to the suspended channel, as the selftests' driver issues it.
        host.asSlice(DST - IOVA, size).fill((byte) 0);
        start(1);
        assertThat(chan(CHANSTS, 8)).isEqualTo(DESC | CHANSTS_DONE);
        assertThat(host.asSlice(DST - IOVA, size).mismatch(host.asSlice(SRC - IOVA, size)))
                .isEqualTo(-1);
    }

    @Test
    void aStormRunsTheSelfLinkedDescriptorDmacountTimes() {
        fill(SRC, 64, 1);
        descriptor(DESC, SRC, DST, 64, DESC_CTL_COMPL_WRITE, DESC);
        setChan(CHANCMP, 8, COMPLETION);
        host.set(U64, COMPLETION - IOVA, 0);
        start(0xffff);
        assertThat(chan(CHANSTS, 8)).isEqualTo(DESC | CHANSTS_DONE);
        assertThat(host.get(U64, COMPLETION - IOVA)).isEqualTo(DESC | CHANSTS_DONE);
    }

    @Test
    void followsTheChainAndRunsUpToEachNewDmacount() {
        long second = DESC + DESC_SIZE;
        descriptor(DESC, SRC, DST, 16, 0, second);
        descriptor(second, SRC + 16, DST + 16, 16, 0, DESC);
        fill(SRC, 32, 2);
        start(1);
        assertThat(chan(CHANSTS, 8)).isEqualTo(DESC | CHANSTS_DONE);
        assertThat(host.get(U64, DST + 16 - IOVA)).isNotEqualTo(host.get(U64, SRC + 16 - IOVA));
        setChan(DMACOUNT, 2, 2); // one more: the second descriptor
        assertThat(chan(CHANSTS, 8)).isEqualTo(second | CHANSTS_DONE);
        assertThat(host.asSlice(DST - IOVA, 32).mismatch(host.asSlice(SRC - IOVA, 32)))
                .isEqualTo(-1);
    }

    @Test
    void anUnmappedSourceHaltsWithAReadErrorWritesNothingAndDoesNotInterrupt() {
        enableMsix();
        host.asSlice(DST - IOVA, 64).fill((byte) 'y');
        descriptor(DESC, 0x40000000L, DST, 64, 0, DESC);
        start(1);
        assertThat(chan(CHANSTS, 8) & 7).isEqualTo(CHANSTS_HALTED);
        assertThat(chan(CHANERR, 4)).isEqualTo(CHANERR_READ_DATA_ERR);
        assertThat(host.get(ValueLayout.JAVA_BYTE, DST - IOVA)).isEqualTo((byte) 'y');
        assertThat(msi).isEmpty();
        // RW1C; reset then lets a good copy run again
        setChan(CHANERR, 4, CHANERR_READ_DATA_ERR);
        assertThat(chan(CHANERR, 4)).isZero();
        setChan(CHANCMD, 1, CHANCMD_RESET);
        descriptor(DESC, SRC, DST, 64, 0, DESC);
        start(1);
        assertThat(chan(CHANSTS, 8) & 7).isEqualTo(CHANSTS_DONE);
    }

    @Test
    void errorsEachHaveTheirBit() {
        descriptor(DESC, SRC, 0x40000000L, 64, 0, DESC);
        start(1);
        assertThat(chan(CHANERR, 4)).isEqualTo(CHANERR_WRITE_DATA_ERR);
        setChan(CHANERR, 4, -1);
        descriptor(DESC, SRC, DST, (1 << XFERCAP_LOG) + 1, 0, DESC);
        start(1);
        assertThat(chan(CHANERR, 4)).isEqualTo(CHANERR_LENGTH_ERR);
        setChan(CHANERR, 4, -1);
        descriptor(DESC, SRC, DST, 64, 0x87 << 24, DESC); // XOR: not offered
        start(1);
        assertThat(chan(CHANERR, 4)).isEqualTo(CHANERR_CONTROL_ERR);
        setChan(CHANERR, 4, -1);
        setChan(CHAINADDR, 8, 0x40000000L);
        setChan(DMACOUNT, 2, 1);
        assertThat(chan(CHANERR, 4)).isEqualTo(CHANERR_NEXT_ADDR_ERR);
        setChan(CHANERR, 4, -1);
        setChan(CHAINADDR, 8, DESC + 8);
        setChan(DMACOUNT, 2, 1);
        assertThat(chan(CHANERR, 4)).isEqualTo(CHANERR_NEXT_DESC_ALIGN_ERR);
        assertThat(port.faults()).hasSize(2);
    }

    @Test
    void busMasteringOffIsAnErrorToo() {
        pci.config().write(COMMAND, 2, COMMAND_MEMORY);
        descriptor(DESC, SRC, DST, 64, 0, DESC);
        start(1);
        assertThat(chan(CHANSTS, 8) & 7).isEqualTo(CHANSTS_HALTED);
        assertThat(chan(CHANERR, 4)).isEqualTo(CHANERR_NEXT_ADDR_ERR);
    }

    @Test
    void oneMsixMessagePerRearm() {
        enableMsix();
        descriptor(DESC, SRC, DST, 8, DESC_CTL_INT_EN, DESC);
        start(1);
        assertThat(msi).hasSize(1);
        assertThat(msi.get(0).data()).isEqualTo(0x41);
        setChan(DMACOUNT, 2, 2); // not re-armed: no second message
        assertThat(msi).hasSize(1);
        setChan(CHANCTRL, 2, 0x0001);
        setChan(DMACOUNT, 2, 3);
        assertThat(msi).hasSize(2);
    }

    @Test
    void withoutMsixTheChannelInterruptIsIntxBehindTheMasterEnable() {
        bar0.write(INTRCTRL, 1, INTRCTRL_MASTER_INT_EN);
        descriptor(DESC, SRC, DST, 8, DESC_CTL_INT_EN, DESC);
        start(1);
        assertThat(intx).containsExactly(true);
        assertThat(bar0.read(INTRCTRL, 1)).isEqualTo(INTRCTRL_MASTER_INT_EN | INTRCTRL_INT_STATUS | INTRCTRL_INT);
        assertThat(bar0.read(ATTNSTATUS, 4)).isEqualTo(1);
        setChan(CHANCTRL, 2, 0x0001); // re-arm acknowledges
        assertThat(intx).containsExactly(true, false);
        assertThat(bar0.read(ATTNSTATUS, 4)).isZero();
    }

    @Test
    void functionResetRestoresPowerOn() {
        bar0.write(INTRCTRL, 1, INTRCTRL_MSIX_VECTOR_CONTROL);
        descriptor(DESC, 0x40000000L, DST, 8, 0, DESC);
        start(1);
        pci.functionLevelReset();
        assertThat(bar0.read(INTRCTRL, 1)).isZero();
        assertThat(chan(CHANERR, 4)).isZero();
        assertThat(chan(CHANSTS, 8)).isEqualTo(CHANSTS_HALTED);
        assertThat(chan(CHAINADDR, 8)).isZero();
    }
}
