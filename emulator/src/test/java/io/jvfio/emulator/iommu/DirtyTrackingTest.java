package io.jvfio.emulator.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dirty bit set by DMA writes, read and cleared the way iommufd's GET_DIRTY_BITMAP does. */
class DirtyTrackingTest {
    private static final long K4 = 4096;
    private static final long M2 = 2L << 20;
    private static final int RW = IommuDomain.READ | IommuDomain.WRITE;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment mem = arena.allocate(2 * M2, M2);
    private final DeviceDma dev = Iommu.create("dmar0", List.of()).addDevice(1);
    private PagingDomain domain;

    record Range(long iova, long length) {}

    @AfterEach
    void tearDown() {
        dev.detach();
        if (domain != null) {
            domain.close();
        }
        arena.close();
    }

    /** VT-d domain: 4 KiB pages at [0, 16K), one 2 MiB page at 2M; tracking on. */
    private PagingDomain vtd() {
        domain = (PagingDomain) IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, true);
        domain.map(0, mem.address() + K4, 4 * K4, RW);
        domain.map(M2, mem.address() + M2, M2, RW);
        dev.attach(domain);
        domain.setDirtyTracking(true);
        return domain;
    }

    private List<Range> read(long iova, long size, boolean noClear) {
        List<Range> out = new ArrayList<>();
        domain.readAndClearDirty(iova, size, noClear, (i, l) -> out.add(new Range(i, l)));
        return out;
    }

    private void write(long iova) {
        dev.dmaWrite(iova, Arena.ofAuto().allocate(8));
    }

    @Test
    void writesDirtyTheirLeafAndReadingClearsIt() {
        vtd();
        write(K4 + 16);
        write(M2 + 12345);
        assertThat(read(0, 2 * M2, false)).containsExactly(new Range(K4, K4), new Range(M2, M2));
        assertThat(read(0, 2 * M2, false)).isEmpty();
    }

    @Test
    void aWriteSpanningPagesDirtiesEachOfThem() {
        vtd();
        dev.dmaWrite(K4 - 8, Arena.ofAuto().allocate(K4 + 16));
        assertThat(read(0, M2, false)).containsExactly(new Range(0, K4), new Range(K4, K4), new Range(2 * K4, K4));
    }

    @Test
    void noClearLeavesTheBitsSet() {
        vtd();
        write(2 * K4);
        assertThat(read(0, M2, true)).containsExactly(new Range(2 * K4, K4));
        assertThat(read(0, M2, true)).containsExactly(new Range(2 * K4, K4));
        assertThat(read(0, M2, false)).containsExactly(new Range(2 * K4, K4));
        assertThat(read(0, M2, true)).isEmpty();
    }

    @Test
    void theDirtyBitIsTheHardwareBitOfTheLeafPte() {
        vtd();
        long pte = domain.table.lookup(domain.id, 3 * K4).pteAddress;
        assertThat(HostMemory.readPte(pte) & (1L << 9)).isZero();
        write(3 * K4);
        assertThat(HostMemory.readPte(pte) & (1L << 9)).isNotZero();
        read(0, M2, false);
        assertThat(HostMemory.readPte(pte) & (1L << 9)).isZero();
    }

    @Test
    void aWriteAfterClearingDirtiesAgainThoughTheTranslationWasCached() {
        vtd();
        write(K4);
        assertThat(read(0, M2, false)).hasSize(1);
        write(K4);
        assertThat(read(0, M2, false)).containsExactly(new Range(K4, K4));
    }

    /**
     * A thread repeating a multi-page write reuses its record of the transfer; the record must
     * still dirty every leaf each time, and one made while tracking was off must not serve a
     * tracked write.
     */
    @Test
    void aRepeatedMultiPageWriteDirtiesItsLeavesEveryTime() {
        vtd();
        MemorySegment src = Arena.ofAuto().allocate(3 * K4);
        domain.setDirtyTracking(false);
        dev.dmaWrite(K4, src);
        dev.dmaWrite(K4, src);
        assertThat(read(0, M2, false)).isEmpty();
        domain.setDirtyTracking(true);
        List<Range> all = List.of(new Range(K4, K4), new Range(2 * K4, K4), new Range(3 * K4, K4));
        for (int repeat = 0; repeat < 3; repeat++) {
            dev.dmaWrite(K4, src);
            assertThat(read(0, M2, false)).as("write %d", repeat).isEqualTo(all);
        }
    }

    @Test
    void readsAndUntrackedWritesDirtyNothing() {
        vtd();
        dev.dmaRead(0, Arena.ofAuto().allocate(4 * K4));
        assertThat(read(0, 2 * M2, false)).isEmpty();
        domain.setDirtyTracking(false);
        assertThat(domain.dirtyTracking()).isFalse();
        write(0);
        write(M2);
        assertThat(read(0, 2 * M2, false)).isEmpty();
    }

    @Test
    void aDirtyLargePageIsReportedClippedToTheRange() {
        vtd();
        write(M2 + M2 / 2);
        assertThat(read(M2 + K4, 2 * K4, true)).containsExactly(new Range(M2 + K4, 2 * K4));
        assertThat(read(0, 4 * M2, false)).containsExactly(new Range(M2, M2));
    }

    @Test
    void mockSetDirtyMarksAWholeContiguousRun() {
        domain = (PagingDomain) IommuDomain.allocPaging(PageTableFormat.MOCK_HUGE, true);
        long iova = 1L << 24;
        long mb = IommuDomain.MOCK_HUGE_PAGE_SIZE;
        domain.map(iova, 0x4000_0000L, 2 * mb, RW);
        domain.setDirtyTracking(true);
        assertThat(domain.setDirty(iova + mb + 5 * 2048)).isTrue();
        assertThat(domain.setDirty(iova + 2 * mb)).as("not mapped").isFalse();
        assertThat(read(iova, 2 * mb, false)).containsExactly(new Range(iova + mb, mb));
        assertThat(read(iova, 2 * mb, false)).isEmpty();
    }

    @Test
    void mockDmaSetsBitSixOfTheRun() {
        domain = (PagingDomain) IommuDomain.allocPaging(PageTableFormat.MOCK, true);
        long iova = IommuDomain.MOCK_APERTURE_START;
        domain.map(iova, mem.address(), 64 * 1024, RW);
        dev.attach(domain);
        domain.setDirtyTracking(true);
        write(iova + 40000);
        assertThat(HostMemory.readPte(domain.table.lookup(domain.id, iova).pteAddress) & (1L << 6))
                .isNotZero();
        // generic_pt's record_dirty reports a dirty contiguous run up to, not including, its last item.
        assertThat(read(iova, 64 * 1024, false)).containsExactly(new Range(iova, 64 * 1024 - 2048));
    }

    @Test
    void domainsWithoutDirtyOpsRefuse() {
        domain = (PagingDomain) IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false);
        assertThat(domain.hasDirtyOps()).isFalse();
        for (Runnable r : List.<Runnable>of(
                () -> domain.setDirtyTracking(true), () -> domain.readAndClearDirty(0, K4, false, DirtyBitmap.NONE))) {
            try {
                r.run();
                throw new AssertionError("no error");
            } catch (ErrnoException e) {
                assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP);
            }
        }
    }
}
