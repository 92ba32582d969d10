package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PciFunctionTest {
    /** Records what the function signals. */
    static final class RecordingSink implements InterruptSink {
        final List<Boolean> intx = new ArrayList<>();
        final List<MsiMessage> msi = new ArrayList<>();

        @Override
        public void intx(PciFunction source, boolean asserted) {
            intx.add(asserted);
        }

        @Override
        public void msi(PciFunction source, MsiMessage message) {
            msi.add(message);
        }
    }

    /** Registers that remember what was written. */
    static final class Scratch implements MmioHandler {
        final Map<Long, Long> regs = new LinkedHashMap<>();

        @Override
        public long read(long offset, int size) {
            return regs.getOrDefault(offset, 0L);
        }

        @Override
        public void write(long offset, int size, long value) {
            regs.put(offset, value);
        }
    }

    private static PciFunction richFunction(Runnable onReset) {
        return PciFunction.builder(0x1234, 0x5678)
                .classCode(0x010802)
                .revision(0x02)
                .subsystem(0x1af4, 0x1100)
                .intx()
                .memoryBar(0, 0x4000, true, false, new Scratch())
                .ioBar(2, 0x20, new Scratch())
                .memoryBar(3, 0x1000, false, true, new Scratch())
                .msix(0x40, 8, 0, 0x2000, 0, 0x3000)
                .msi(0x50, 4, true, true)
                .powerManagement(0x68)
                .pciExpress(0x80, PcieType.ENDPOINT, true)
                .vendorCapability(0xc0, new byte[] {1, 2, 3})
                .extendedCapability(0x100, EXT_CAP_ID_VNDR, 1, new byte[] {9, 9, 9, 9})
                .acs(0x140, ACS_SV | ACS_RR)
                .onReset(onReset)
                .build();
    }

    @Test
    void headerCarriesIdentity() {
        ConfigSpace c = richFunction(() -> {}).config();
        assertThat(c.read(VENDOR_ID, 2)).isEqualTo(0x1234);
        assertThat(c.read(DEVICE_ID, 2)).isEqualTo(0x5678);
        assertThat(c.read(CLASS_REVISION, 4)).isEqualTo(0x01080202);
        assertThat(c.read(SUBSYSTEM_VENDOR_ID, 4)).isEqualTo(0x1100_1af4);
        assertThat(c.read(INTERRUPT_PIN, 1)).isEqualTo(1);
        assertThat(c.read(STATUS, 2) & STATUS_CAP_LIST).isEqualTo(STATUS_CAP_LIST);
    }

    @Test
    void capabilityListWalksInOffsetOrderAndExtendedListLinks() {
        ConfigSpace c = richFunction(() -> {}).config();
        List<Integer> ids = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        for (int p = c.read(CAPABILITY_LIST, 1); p != 0; p = c.read(p + CAP_LIST_NEXT, 1)) {
            offsets.add(p);
            ids.add(c.read(p, 1));
        }
        assertThat(offsets).containsExactly(0x40, 0x50, 0x68, 0x80, 0xc0);
        assertThat(ids).containsExactly(CAP_ID_MSIX, CAP_ID_MSI, CAP_ID_PM, CAP_ID_EXP, CAP_ID_VNDR);
        assertThat(c.read(0xc2, 1)).isEqualTo(6);
        assertThat(c.read(0xc3, 1)).isEqualTo(1);

        List<Integer> ext = new ArrayList<>();
        for (int p = 0x100; p != 0; p = c.read(p, 4) >>> 20) {
            ext.add(c.read(p, 4) & 0xffff);
        }
        assertThat(ext).containsExactly(EXT_CAP_ID_VNDR, EXT_CAP_ID_ACS);
        assertThat(c.read(0x104, 4)).isEqualTo(0x09090909);
    }

    @Test
    void readOnlyBitsIgnoreWritesAndW1cBitsClearOnOne() {
        PciFunction f = richFunction(() -> {});
        ConfigSpace c = f.config();
        c.write(VENDOR_ID, 4, 0xffffffff);
        assertThat(c.read(VENDOR_ID, 4)).isEqualTo(0x5678_1234);
        c.write(COMMAND, 2, 0xffff);
        assertThat(c.read(COMMAND, 2)).isEqualTo(0x0547);
        assertThat(c.writableMask(COMMAND, 2)).isEqualTo(0x0547);

        int devsta = 0x80 + EXP_DEVSTA;
        c.set(devsta, 2, 0x0005); // hardware reports errors
        c.write(devsta, 2, 0x0004);
        assertThat(c.read(devsta, 2)).isEqualTo(0x0001);
        c.write(devsta, 2, 0xfff0); // non-W1C bits: no effect
        assertThat(c.read(devsta, 2)).isEqualTo(0x0001);
    }

    @ParameterizedTest
    @ValueSource(longs = {7, 11, 2026})
    void masksHoldForRandomWrites(long seed) {
        Random r = new Random(seed);
        ConfigSpace c = richFunction(() -> {}).config();
        for (int i = 0; i < 2000; i++) {
            int size = 1 << r.nextInt(3);
            int offset = r.nextInt(4096 / size) * size;
            if (offset >= 0x80 + EXP_DEVCTL && offset < 0x80 + EXP_DEVCTL + 2) {
                continue; // Initiate FLR would reset the function under us
            }
            int before = c.read(offset, size);
            int value = r.nextInt();
            c.write(offset, size, value);
            int rw = c.writableMask(offset, size);
            int w1c = c.writeOneToClearMask(offset, size);
            int expected = ((before & ~rw) | (value & rw)) & ~(value & w1c);
            long sizeMask = size == 4 ? 0xffffffffL : (1L << (8 * size)) - 1;
            assertThat((long) c.read(offset, size) & sizeMask)
                    .as("offset 0x%x size %d", offset, size)
                    .isEqualTo(expected & sizeMask);
        }
    }

    @Test
    void barSizingByAllOnes() {
        ConfigSpace c = richFunction(() -> {}).config();
        for (int reg = BASE_ADDRESS_0; reg <= 0x24; reg += 4) {
            c.write(reg, 4, 0xffffffff);
        }
        assertThat(c.read(0x10, 4)).isEqualTo(0xffffc004); // 16 KiB, 64-bit
        assertThat(c.read(0x14, 4)).isEqualTo(0xffffffff); // upper half
        assertThat(c.read(0x18, 4)).isEqualTo(0xffffffe1); // 32 bytes of I/O
        assertThat(c.read(0x1c, 4)).isEqualTo(0xfffff008); // 4 KiB, prefetchable
        assertThat(c.read(0x20, 4)).isZero(); // unimplemented
        assertThat(c.read(0x24, 4)).isZero();
        c.write(0x10, 4, 0xfebf1234);
        assertThat(c.read(0x10, 4)).isEqualTo(0xfebf0004);
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 12, 20, 31})
    void sizedBarDecodesToItsSize(int log2) {
        long size = 1L << log2;
        PciFunction f = PciFunction.builder(1, 2)
                .memoryBar(0, Math.max(16, size), false, false, new Scratch())
                .build();
        f.config().write(0x10, 4, -1);
        long decoded = ~(f.config().read(0x10, 4) & ~0xfL) + 1 & 0xffffffffL;
        assertThat(decoded).isEqualTo(Math.max(16, size));
    }

    @Test
    void barBuilderRejectsBadShapes() {
        var b = PciFunction.builder(1, 2);
        assertThatThrownBy(() -> b.memoryBar(0, 3000, false, false, new Scratch()))
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> b.memoryBar(5, 4096, true, false, new Scratch()))
                .hasMessageContaining("does not fit");
        b.memoryBar(0, 4096, true, false, new Scratch());
        assertThatThrownBy(() -> b.memoryBar(1, 4096, false, false, new Scratch()))
                .hasMessageContaining("overlaps");
        assertThatThrownBy(() -> b.msi(0x3c, 1, false, false)).hasMessageContaining("0x40..0xff");
        b.msi(0x40, 1, false, false);
        assertThatThrownBy(() -> b.powerManagement(0x44)).hasMessageContaining("overlaps");
    }

    @Test
    void ramBarReadsAndWritesLittleEndian() {
        BarMemory ram = BarMemory.allocate(4096);
        PciFunction f = PciFunction.builder(1, 2).ramBar(2, ram, true, true).build();
        Bar bar = f.bar(2).orElseThrow();
        bar.write(8, 8, 0x1122334455667788L);
        assertThat(ram.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 8))
                .isEqualTo((byte) 0x88);
        assertThat(bar.read(12, 4)).isEqualTo(0x11223344L);
        assertThat(bar.ram()).contains(ram);
        assertThatThrownBy(() -> bar.read(4095, 2)).hasMessageContaining("naturally aligned");
        assertThatThrownBy(() -> BarMemory.allocate(100)).hasMessageContaining("whole pages");
    }

    @Test
    void intxFollowsLineUntilDisabledAndStatusReflectsTheLine() {
        RecordingSink sink = new RecordingSink();
        PciFunction f = richFunction(() -> {});
        f.attach(DmaPort.BLOCKED, sink);
        f.setIntx(true);
        assertThat(sink.intx).containsExactly(true);
        assertThat(f.config().read(STATUS, 2) & STATUS_INTERRUPT).isNotZero();
        f.config().write(COMMAND, 2, COMMAND_INTX_DISABLE);
        assertThat(sink.intx).containsExactly(true, false);
        assertThat(f.config().read(STATUS, 2) & STATUS_INTERRUPT).isNotZero();
        f.config().write(COMMAND, 2, 0);
        f.setIntx(false);
        assertThat(sink.intx).containsExactly(true, false, true, false);
        assertThat(f.config().read(STATUS, 2) & STATUS_INTERRUPT).isZero();
    }

    @Test
    void msiComposesMessagePerVectorAndHoldsMaskedVectorsPending() {
        RecordingSink sink = new RecordingSink();
        PciFunction f = richFunction(() -> {});
        f.attach(DmaPort.BLOCKED, sink);
        ConfigSpace c = f.config();
        f.notifyMsi(0);
        assertThat(sink.msi).isEmpty(); // not enabled
        assertThat(c.read(0x50 + MSI_FLAGS, 2) & (MSI_FLAGS_64BIT | MSI_FLAGS_MASKBIT | MSI_FLAGS_QMASK))
                .isEqualTo(MSI_FLAGS_64BIT | MSI_FLAGS_MASKBIT | 2 << 1);
        c.write(0x54, 4, 0xfee00000);
        c.write(0x58, 4, 0x1);
        c.write(0x5c, 2, 0x4020);
        c.write(0x50 + MSI_FLAGS, 2, MSI_FLAGS_ENABLE | 2 << 4); // 4 vectors
        f.notifyMsi(3);
        assertThat(sink.msi)
                .as("an MSI is a DMA write: dropped without bus mastering")
                .isEmpty();
        c.write(COMMAND, 2, COMMAND_MASTER);
        f.notifyMsi(3);
        assertThat(sink.msi).containsExactly(new MsiMessage(0x1_fee00000L, 0x4023));
        c.write(0x60, 4, 0b0100); // mask vector 2
        f.notifyMsi(2);
        assertThat(sink.msi).hasSize(1);
        assertThat(c.read(0x64, 4)).isEqualTo(0b0100);
        c.write(0x60, 4, 0);
        assertThat(sink.msi).last().isEqualTo(new MsiMessage(0x1_fee00000L, 0x4022));
        assertThat(c.read(0x64, 4)).isZero();
        f.setIntx(true);
        assertThat(sink.intx).isEmpty(); // INTx is silent while MSI is on
    }

    @Test
    void msixTableInBarMaskingAndPba() {
        RecordingSink sink = new RecordingSink();
        PciFunction f = richFunction(() -> {});
        f.attach(DmaPort.BLOCKED, sink);
        Bar bar0 = f.bar(0).orElseThrow();
        assertThat(f.config().read(0x40 + MSIX_FLAGS, 2) & MSIX_FLAGS_QSIZE).isEqualTo(7);
        assertThat(f.config().read(0x40 + MSIX_TABLE, 4)).isEqualTo(0x2000);
        assertThat(f.config().read(0x40 + MSIX_PBA, 4)).isEqualTo(0x3000);
        f.config().write(0x40 + MSIX_FLAGS, 2, MSIX_FLAGS_ENABLE);
        f.config().write(COMMAND, 2, COMMAND_MASTER); // MSI-X messages are DMA writes
        long entry5 = 0x2000 + 5 * 16;
        assertThat(bar0.read(entry5 + 12, 4)).isEqualTo(1); // masked at reset
        bar0.write(entry5, 8, 0xfee01000L);
        bar0.write(entry5 + 8, 4, 0x55);
        f.notifyMsix(5);
        assertThat(sink.msi).isEmpty();
        assertThat(bar0.read(0x3000, 8)).isEqualTo(1L << 5);
        bar0.write(entry5 + 12, 4, 0);
        assertThat(sink.msi).containsExactly(new MsiMessage(0xfee01000L, 0x55));
        assertThat(bar0.read(0x3000, 8)).isZero();
        f.config().write(0x40 + MSIX_FLAGS, 2, MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
        f.notifyMsix(5);
        assertThat(sink.msi).hasSize(1);
        f.config().write(0x40 + MSIX_FLAGS, 2, MSIX_FLAGS_ENABLE);
        assertThat(sink.msi).hasSize(2);
        bar0.write(0x3000, 8, -1); // PBA is read-only
        assertThat(bar0.read(0x3000, 8)).isZero();
    }

    @Test
    void initiateFlrResetsConfigTableAndDevice() {
        int[] resets = {0};
        PciFunction f = richFunction(() -> resets[0]++);
        f.config().write(COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);
        f.config().write(0x10, 4, 0xfe000000);
        f.config().write(0x40 + MSIX_FLAGS, 2, MSIX_FLAGS_ENABLE);
        f.bar(0).orElseThrow().write(0x2000 + 12, 4, 0);
        assertThat(f.supportsFlr()).isTrue();
        f.config().write(0x80 + EXP_DEVCTL, 2, EXP_DEVCTL_BCR_FLR);
        assertThat(resets[0]).isEqualTo(1);
        assertThat(f.config().read(COMMAND, 2)).isZero();
        assertThat(f.config().read(0x10, 4)).isEqualTo(0x4);
        assertThat(f.msixEnabled()).isFalse();
        assertThat(f.bar(0).orElseThrow().read(0x2000 + 12, 4)).isEqualTo(1);
        assertThat(f.config().read(0x80 + EXP_DEVCTL, 2) & EXP_DEVCTL_BCR_FLR).isZero();
    }

    @Test
    void functionWithoutFlrRefusesIt() {
        PciFunction f = PciFunction.builder(1, 2).build();
        assertThat(f.supportsFlr()).isFalse();
        assertThat(f.configSize()).isEqualTo(256);
        assertThatThrownBy(f::functionLevelReset).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void dmaNeedsBusMasterAndAnAttachedPort() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(4096);
            SegmentDmaPort port = new SegmentDmaPort().map(0x10000, host);
            PciFunction f = PciFunction.builder(1, 2).build();
            MemorySegment buf = arena.allocate(16);
            assertThatThrownBy(() -> f.dma().read(0x10000, buf)).hasMessageContaining("bus mastering");
            f.config().write(COMMAND, 2, COMMAND_MASTER);
            assertThatThrownBy(() -> f.dma().read(0x10000, buf)).hasMessageContaining("blocked");
            f.attach(port, InterruptSink.NONE);
            buf.fill((byte) 7);
            f.dma().write(0x10010, buf);
            assertThat(host.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0x10)).isEqualTo((byte) 7);
            assertThatThrownBy(() -> f.dma().write(0x10ff8, buf))
                    .isInstanceOf(DmaFaultException.class)
                    .hasMessageContaining("past the end");
            assertThat(host.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0xff8)).isZero();
            assertThat(port.faults()).hasSize(1);
        }
    }
}
