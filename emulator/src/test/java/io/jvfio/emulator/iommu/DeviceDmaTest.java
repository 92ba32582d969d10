package io.jvfio.emulator.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** DMA through real page tables into real memory of this process. */
class DeviceDmaTest {
    private static final long K4 = 4096;
    private static final long M2 = 2L << 20;
    private static final int RW = IommuDomain.READ | IommuDomain.WRITE;

    private final Arena arena = Arena.ofShared();
    /** 8 MiB of "physical" memory, 2 MiB aligned so large pages can map it. */
    private final MemorySegment mem = arena.allocate(4 * M2, M2);

    private final Iommu iommu = Iommu.create("dmar0", List.of(ReservedRegion.X86_MSI));
    private final List<IommuFault> sunk = new CopyOnWriteArrayList<>();
    private final DeviceDma dev = iommu.addDevice(7);
    private final List<IommuDomain> domains = new ArrayList<>();

    DeviceDmaTest() {
        iommu.setFaultSink(sunk::add);
    }

    @AfterEach
    void tearDown() {
        dev.detach();
        domains.forEach(IommuDomain::close);
        arena.close();
    }

    private IommuDomain attach(PageTableFormat format) {
        IommuDomain d = IommuDomain.allocPaging(format, false);
        domains.add(d);
        dev.attach(d);
        return d;
    }

    private static MemorySegment pattern(long size, int seed) {
        MemorySegment s = Arena.ofAuto().allocate(size);
        for (long i = 0; i < size; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + seed));
        }
        return s;
    }

    private IommuFault faultOf(Runnable dma) {
        return catchThrowableOfType(IommuFaultException.class, dma::run).fault();
    }

    @ParameterizedTest
    @EnumSource(PageTableFormat.class)
    void writeThenReadAcrossPageBoundaries(PageTableFormat format) {
        IommuDomain d = attach(format);
        long page = Long.lowestOneBit(d.pgsizeBitmap());
        long iova = d.aperture().start() + (1L << 24);
        // Map page by page onto scattered physical pages so that every page boundary is a real
        // discontinuity: IOVA page i -> physical page (i * 5) % 64.
        for (int i = 0; i < 16; i++) {
            d.map(iova + i * page, mem.address() + ((i * 5L) % 64) * page, page, RW);
        }
        MemorySegment src = pattern(10 * page + 100, 3);
        long start = iova + page / 2 + 3;
        dev.dmaWrite(start, src);
        for (long off = 0; off < src.byteSize(); off += 97) {
            long pa = d.iovaToPhys(start + off);
            assertThat(MemorySegment.ofAddress(pa).reinterpret(1).get(ValueLayout.JAVA_BYTE, 0))
                    .isEqualTo(src.get(ValueLayout.JAVA_BYTE, off));
        }
        MemorySegment back = Arena.ofAuto().allocate(src.byteSize());
        dev.dmaRead(start, back);
        assertThat(back.mismatch(src)).isEqualTo(-1);
    }

    @Test
    void piecesSplitOnlyWherePhysicalContiguityBreaks() {
        IommuDomain d = attach(PageTableFormat.VTD_SECOND_STAGE);
        d.map(0, mem.address(), M2, RW); // one 2 MiB leaf
        d.map(M2, mem.address() + M2 + K4, 4 * K4, RW); // 4 KiB leaves, physically contiguous
        d.map(M2 + 4 * K4, mem.address() + 3 * M2, K4, RW); // then one elsewhere
        d.map(M2 + 5 * K4, mem.address() + 3 * M2 - K4, K4, RW); // and one just below it
        List<List<Long>> pieces = new ArrayList<>();
        dev.dma(K4, 64 * 1024, Access.READ, (host, off) -> pieces.add(List.of(off, host.byteSize())));
        assertThat(pieces).containsExactly(List.of(0L, 64 * 1024L));
        pieces.clear();
        List<Long> hosts = new ArrayList<>();
        dev.dma(M2 + 100, 6 * K4 - 100, Access.WRITE, (host, off) -> {
            pieces.add(List.of(off, host.byteSize()));
            hosts.add(host.address());
        });
        assertThat(pieces)
                .containsExactly(List.of(0L, 4 * K4 - 100), List.of(4 * K4 - 100, K4), List.of(5 * K4 - 100, K4));
        assertThat(hosts)
                .containsExactly(mem.address() + M2 + K4 + 100, mem.address() + 3 * M2, mem.address() + 3 * M2 - K4);
    }

    /**
     * 600 scattered pages: more runs than one thread's transfer record holds (512), so the move
     * goes a record at a time. Every byte lands where the table says, the pieces tile the transfer
     * in order, and repeating the transfer (served from the record where it fits) gives the same.
     */
    @Test
    void aTransferLongerThanOneRecordMovesEveryByte() {
        IommuDomain d = attach(PageTableFormat.VTD_SECOND_STAGE);
        int pages = 600;
        for (int i = 0; i < pages; i++) {
            // 7 is prime to the 2048 pages of mem: every IOVA page gets its own physical page.
            d.map(i * K4, mem.address() + (i * 7L % 2048) * K4, K4, RW);
        }
        MemorySegment src = pattern(pages * K4 - 100, 5);
        dev.dmaWrite(50, src);
        for (long at = 50; at < 50 + src.byteSize(); ) {
            long n = Math.min(50 + src.byteSize(), (at & -K4) + K4) - at;
            MemorySegment host = mem.asSlice(d.iovaToPhys(at) - mem.address(), n);
            assertThat(host.mismatch(src.asSlice(at - 50, n)))
                    .as("bytes at IOVA %x", at)
                    .isEqualTo(-1);
            at += n;
        }
        for (int repeat = 0; repeat < 2; repeat++) {
            MemorySegment back = Arena.ofAuto().allocate(src.byteSize());
            dev.dmaRead(50, back);
            assertThat(back.mismatch(src)).isEqualTo(-1);
            List<List<Long>> pieces = new ArrayList<>();
            dev.dma(50, src.byteSize(), Access.READ, (host, off) -> pieces.add(List.of(off, host.byteSize())));
            assertThat(pieces).hasSize(pages);
            long next = 0;
            for (List<Long> piece : pieces) {
                assertThat(piece.get(0)).isEqualTo(next);
                next += piece.get(1);
            }
            assertThat(next).isEqualTo(src.byteSize());
        }
    }

    @Test
    void writeToAReadOnlyPageFaultsAndWritesNothing() {
        IommuDomain d = attach(PageTableFormat.VTD_SECOND_STAGE);
        d.map(0x10000, mem.address(), K4, RW);
        d.map(0x11000, mem.address() + K4, K4, IommuDomain.READ);
        IommuFault f = faultOf(() -> dev.dmaWrite(0x10800, pattern(K4, 1)));
        assertThat(f).isEqualTo(new IommuFault(7, d.id(), 0x11000, Access.WRITE, FaultReason.PERMISSION));
        assertThat(mem.asSlice(0, 2 * K4).mismatch(Arena.ofAuto().allocate(2 * K4)))
                .as("not even the writable first page was touched")
                .isEqualTo(-1);
        assertThat(iommu.faultLog()).containsExactly(f);
        assertThat(sunk).containsExactly(f);
        dev.dmaRead(0x10800, Arena.ofAuto().allocate(K4));
    }

    @Test
    void readOfAWriteOnlyPageFaults() {
        IommuDomain d = attach(PageTableFormat.MOCK);
        long iova = IommuDomain.MOCK_APERTURE_START;
        d.map(iova, mem.address(), 2048, IommuDomain.WRITE);
        assertThat(faultOf(() -> dev.dmaRead(iova, Arena.ofAuto().allocate(8))).reason())
                .isEqualTo(FaultReason.PERMISSION);
        dev.dmaWrite(iova, pattern(8, 0));
    }

    @Test
    void unmappedIovaFaultsAtTheFirstMissingByte() {
        IommuDomain d = attach(PageTableFormat.VTD_SECOND_STAGE);
        d.map(0x10000, mem.address(), 2 * K4, RW);
        MemorySegment dst = pattern(3 * K4, 9);
        MemorySegment before = Arena.ofAuto().allocate(dst.byteSize()).copyFrom(dst);
        IommuFault f = faultOf(() -> dev.dmaRead(0x10000, dst));
        assertThat(f).isEqualTo(new IommuFault(7, d.id(), 0x12000, Access.READ, FaultReason.NOT_PRESENT));
        assertThat(dst.mismatch(before)).as("the device buffer is untouched").isEqualTo(-1);
    }

    @Test
    void dmaOutsideTheApertureFaults() {
        IommuDomain d = attach(PageTableFormat.MOCK);
        long last = IommuDomain.MOCK_APERTURE_LAST;
        d.map(last + 1 - 2048, mem.address(), 2048, RW);
        assertThat(faultOf(() -> dev.dmaRead(0x1000, Arena.ofAuto().allocate(8))))
                .isEqualTo(new IommuFault(7, d.id(), 0x1000, Access.READ, FaultReason.OUT_OF_APERTURE));
        assertThat(faultOf(() -> dev.dmaWrite(last - 7, pattern(16, 0))))
                .isEqualTo(new IommuFault(7, d.id(), last + 1, Access.WRITE, FaultReason.OUT_OF_APERTURE));
        assertThat(faultOf(() -> dev.dmaRead(-8, Arena.ofAuto().allocate(8))).reason())
                .isEqualTo(FaultReason.OUT_OF_APERTURE);
        dev.dmaWrite(last - 7, pattern(8, 0));
    }

    @Test
    void aDeviceWithoutDomainIsBlocked() {
        assertThat(faultOf(() -> dev.dmaRead(0, Arena.ofAuto().allocate(8))))
                .isEqualTo(new IommuFault(7, 0, 0, Access.READ, FaultReason.BLOCKED));
        IommuDomain d = attach(PageTableFormat.VTD_SECOND_STAGE);
        d.map(0, mem.address(), K4, RW);
        dev.dmaRead(0, Arena.ofAuto().allocate(8));
        dev.detach();
        assertThat(dev.domain()).isEmpty();
        assertThat(faultOf(() -> dev.dmaRead(0, Arena.ofAuto().allocate(8))).reason())
                .isEqualTo(FaultReason.BLOCKED);
    }

    @Test
    void replaceSwitchesTranslationsAtomically() {
        IommuDomain d1 = attach(PageTableFormat.VTD_SECOND_STAGE);
        IommuDomain d2 = IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false);
        domains.add(d2);
        d1.map(0, mem.address(), K4, RW);
        d2.map(0, mem.address() + K4, K4, RW);
        dev.dmaWrite(0, pattern(8, 1));
        dev.attach(d2);
        assertThat(dev.domain()).contains(d2);
        dev.dmaWrite(0, pattern(8, 2));
        assertThat(mem.asSlice(0, 8).mismatch(pattern(8, 1))).isEqualTo(-1);
        assertThat(mem.asSlice(K4, 8).mismatch(pattern(8, 2))).isEqualTo(-1);
    }

    /** Replace under a stream of DMAs: every DMA sees one domain or the other, never none. */
    @Test
    void concurrentReplaceNeverBlocksDmaAndDetachStopsIt() throws Exception {
        IommuDomain d1 = attach(PageTableFormat.VTD_SECOND_STAGE);
        IommuDomain d2 = IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false);
        domains.add(d2);
        d1.map(0, mem.address(), K4, RW);
        d2.map(0, mem.address() + K4, K4, RW);
        MemorySegment src = pattern(K4, 5);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong writes = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread device = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    dev.dmaWrite(0, src);
                    writes.incrementAndGet();
                }
            } catch (IommuFaultException e) {
                if (!stop.get()) {
                    failure.set(e);
                }
            }
        });
        // Replace only once the device is writing, and keep replacing until it has written during
        // the replaces too, however the threads are scheduled.
        while (writes.get() == 0 && device.isAlive()) {
            Thread.onSpinWait();
        }
        long before = writes.get();
        for (int i = 0; (i < 200 || writes.get() == before) && device.isAlive(); i++) {
            dev.attach(i % 2 == 0 ? d2 : d1);
        }
        stop.set(true);
        dev.detach();
        mem.asSlice(0, 2 * K4).fill((byte) 0);
        device.join(10_000);
        assertThat(device.isAlive()).isFalse();
        assertThat(failure.get()).as("a DMA faulted during replace").isNull();
        assertThat(writes.get()).isGreaterThan(before);
        assertThat(mem.asSlice(0, 2 * K4).mismatch(Arena.ofAuto().allocate(2 * K4)))
                .as("a write landed after detach returned")
                .isEqualTo(-1);
    }

    @Test
    void theSinkMayMapTheMissingPageAndTheDeviceRetries() {
        IommuDomain d = attach(PageTableFormat.VTD_SECOND_STAGE);
        // Like a page-request handler: the sink runs after the DMA released the domain.
        iommu.setFaultSink(f -> d.map(f.iova() & -K4, mem.address(), K4, RW));
        assertThat(faultOf(() -> dev.dmaWrite(0x5008, pattern(8, 4))).reason()).isEqualTo(FaultReason.NOT_PRESENT);
        dev.dmaWrite(0x5008, pattern(8, 4));
        assertThat(mem.asSlice(8, 8).mismatch(pattern(8, 4))).isEqualTo(-1);
    }

    @Test
    void theFaultLogKeepsTheMostRecentRecords() {
        attach(PageTableFormat.VTD_SECOND_STAGE);
        int n = Iommu.FAULT_LOG_CAPACITY + 10;
        for (int i = 0; i < n; i++) {
            long iova = i * K4;
            faultOf(() -> dev.dmaRead(iova, Arena.ofAuto().allocate(1)));
        }
        assertThat(iommu.faultCount()).isEqualTo(n);
        assertThat(iommu.faultLog()).hasSize(Iommu.FAULT_LOG_CAPACITY);
        assertThat(iommu.faultLog().getFirst().iova()).isEqualTo(10 * K4);
        assertThat(sunk).hasSize(n);
    }

    @Test
    void zeroLengthDmaDoesNothingEvenWhenBlocked() {
        dev.dmaRead(0, MemorySegment.NULL);
        assertThat(iommu.faultCount()).isZero();
        assertThat(iommu.reservedRegions()).containsExactly(ReservedRegion.X86_MSI);
    }
}
