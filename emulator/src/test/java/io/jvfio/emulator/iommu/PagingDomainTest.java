package io.jvfio.emulator.iommu;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Map, unmap and iova_to_phys on both formats, checked through iova_to_phys and the entries the
 * walker finds (leaf level and size). Physical addresses here are never dereferenced.
 */
class PagingDomainTest {
    private static final long K4 = 4096;
    private static final long M2 = 2L << 20;
    private static final long G1 = 1L << 30;
    private static final int RW = IommuDomain.READ | IommuDomain.WRITE;

    private PagingDomain domain;

    private PagingDomain open(PageTableFormat format) {
        domain = (PagingDomain) IommuDomain.allocPaging(format, true);
        return domain;
    }

    @AfterEach
    void free() {
        if (domain != null) {
            domain.close();
        }
    }

    private IotlbEntry leaf(long iova) {
        return domain.table.lookup(domain.id, iova);
    }

    @Test
    void geometryMatchesTheKernelDrivers() {
        IommuDomain vtd = open(PageTableFormat.VTD_SECOND_STAGE);
        assertThat(vtd.pgsizeBitmap()).isEqualTo(K4 | M2 | G1);
        assertThat(vtd.aperture()).isEqualTo(new Aperture(0, (1L << 48) - 1));
        vtd.close();
        IommuDomain mock = open(PageTableFormat.MOCK);
        // Every power of two from 2 KiB below the 38-bit table size.
        assertThat(mock.pgsizeBitmap()).isEqualTo(((1L << 37) - 1) & -2048L);
        assertThat(mock.aperture()).isEqualTo(new Aperture(1L << 24, (1L << 31) - 1));
        assertThat(Long.lowestOneBit(mock.pgsizeBitmap()))
                .as("MOCK_PAGE_SIZE is the minimum, so the IOAS alignment becomes 2048")
                .isEqualTo(IommuDomain.MOCK_PAGE_SIZE);
        mock.close();
        IommuDomain huge = open(PageTableFormat.MOCK_HUGE);
        assertThat(huge.pgsizeBitmap()).isEqualTo((1L << 20) | K4);
        assertThat(huge.aperture()).isEqualTo(new Aperture(0, (1L << 38) - 1));
    }

    @ParameterizedTest
    @CsvSource({
        // iova, pa, size, expected leaf size at iova
        "0x1000, 0x7000, 0x1000, 0x1000",
        "0x200000, 0x40200000, 0x200000, 0x200000",
        "0x40000000, 0x80000000, 0x40000000, 0x40000000",
        // iova and pa aligned differently: only 4 KiB pages are possible
        "0x200000, 0x40201000, 0x200000, 0x1000",
        // 2 MiB aligned but 4 KiB short of 2 MiB: small pages only
        "0x200000, 0x40200000, 0x1ff000, 0x1000",
        // 1 GiB + 2 MiB starting at 1 GiB: a 1 GiB leaf first
        "0x40000000, 0xc0000000, 0x40200000, 0x40000000",
    })
    void vtdUsesTheLargestLeafTheAlignmentAllows(long iova, long pa, long size, long leafSize) {
        open(PageTableFormat.VTD_SECOND_STAGE);
        domain.map(iova, pa, size, RW);
        assertThat(leaf(iova).size).isEqualTo(leafSize);
        for (long off : new long[] {0, 8, size / 2, size - 8}) {
            assertThat(domain.iovaToPhys(iova + off)).isEqualTo(pa + off);
        }
        assertThat(domain.iovaToPhys(iova - 1)).isZero();
        assertThat(domain.iovaToPhys(iova + size)).isZero();
        assertThat(domain.unmap(iova, size)).isEqualTo(size);
        assertThat(domain.iovaToPhys(iova)).isZero();
        assertThat(domain.tablePages()).as("only the root remains").isEqualTo(1);
    }

    @Test
    void vtdRunSwitchesToLargePagesWhenAlignmentAllows() {
        open(PageTableFormat.VTD_SECOND_STAGE);
        // 4 KiB up to the next 2 MiB boundary, then 2 MiB pages, then 4 KiB again.
        long iova = M2 - 2 * K4;
        long size = 2 * K4 + 2 * M2 + 3 * K4;
        domain.map(iova, 0x4000_0000L + iova, size, RW);
        assertThat(leaf(iova).size).isEqualTo(K4);
        assertThat(leaf(M2).size).isEqualTo(M2);
        assertThat(leaf(2 * M2).size).isEqualTo(M2);
        assertThat(leaf(3 * M2).size).isEqualTo(K4);
        assertThat(leaf(3 * M2 + 2 * K4).size).isEqualTo(K4);
        assertThat(leaf(3 * M2 + 3 * K4)).isNull();
        assertThat(domain.unmap(iova, size)).isEqualTo(size);
        assertThat(domain.tablePages()).isEqualTo(1);
    }

    @Test
    void vtdEntriesAreRealPtes() {
        open(PageTableFormat.VTD_SECOND_STAGE);
        domain.map(0x20_0000L, 0x1234_0000_0000L, M2, IommuDomain.READ);
        domain.map(0x1000L, 0x5000L, K4, RW);
        long large = HostMemory.readPte(leaf(0x20_0000L).pteAddress);
        long small = HostMemory.readPte(leaf(0x1000L).pteAddress);
        // address | PS(7) | R(0)
        assertThat(large).isEqualTo(0x1234_0000_0000L | 1L << 7 | 1L);
        // address | W(1) | R(0), no PS at level 0
        assertThat(small).isEqualTo(0x5000L | 3L);
        assertThat(leaf(0x20_0000L).level).isEqualTo(1);
        assertThat(leaf(0x1000L).level).isZero();
        // root, one PDPT, one PD (holds the 2 MiB leaf and the pointer to the PT), one PT
        assertThat(domain.tablePages()).isEqualTo(4);
    }

    @ParameterizedTest
    @CsvSource({
        // the mock encodes any power of two as a run of identical 2 KiB (or 1 MiB) entries
        "0x1000000, 0x10000, 0x800, 0x800, 0",
        "0x1000000, 0x10000, 0x1000, 0x1000, 0",
        "0x1000000, 0x10000, 0x10000, 0x10000, 0",
        "0x1000000, 0x80000, 0x80000, 0x80000, 0",
        "0x1000000, 0x100000, 0x100000, 0x100000, 1",
        "0x1000000, 0x1000000, 0x1000000, 0x1000000, 1",
        "0x20000000, 0x20000000, 0x20000000, 0x20000000, 2",
        // 2 KiB misalignment between iova and pa: 2 KiB entries only
        "0x1000000, 0x10800, 0x10000, 0x800, 0",
    })
    void mockUsesContiguousRuns(long iova, long pa, long size, long leafSize, int level) {
        open(PageTableFormat.MOCK);
        domain.map(iova, pa, size, RW);
        IotlbEntry e = leaf(iova + size - 1);
        assertThat(e.size).isEqualTo(leafSize);
        assertThat(e.level).isEqualTo(level);
        for (long off = 0; off < size; off += Math.max(IommuDomain.MOCK_PAGE_SIZE, size / 64)) {
            assertThat(domain.iovaToPhys(iova + off + 5)).isEqualTo(pa + off + 5);
        }
        assertThat(domain.unmap(iova, size)).isEqualTo(size);
        assertThat(domain.iovaToPhys(iova)).isZero();
        assertThat(domain.tablePages()).isEqualTo(1);
    }

    @Test
    void mockHugeUsesOneMegabyteAndFourKilobytePages() {
        open(PageTableFormat.MOCK_HUGE);
        domain.map(0x100000L, 0x300000L, 0x100000L + K4, RW);
        assertThat(leaf(0x100000L).size).isEqualTo(0x100000L);
        assertThat(leaf(0x200000L).size).isEqualTo(K4);
        // 2 KiB is a table granule, not an allowed page size here
        assertThat(errno(() -> domain.map(0x400000L, 0x400000L, 2048, RW))).isEqualTo(Errno.ENXIO);
    }

    @ParameterizedTest
    @EnumSource(PageTableFormat.class)
    void mapErrorsFollowTheGenericPageTable(PageTableFormat format) {
        open(format);
        long page = Long.lowestOneBit(domain.pgsizeBitmap());
        long base = 1L << 24;
        assertThat(errno(() -> domain.map(base, base, page, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> domain.map(base + page / 2, base, page, RW))).isEqualTo(Errno.ENXIO);
        assertThat(errno(() -> domain.map(base, base + page / 2, page, RW))).isEqualTo(Errno.ENXIO);
        assertThat(errno(() -> domain.map(base, base, page + page / 2, RW))).isEqualTo(Errno.ENXIO);
        assertThat(errno(() -> domain.map(1L << domain.format.vaBits(), base, page, RW)))
                .isEqualTo(Errno.ERANGE);
        assertThat(errno(() -> domain.map(base, 1L << 52, page, RW))).isEqualTo(Errno.ERANGE);
        assertThat(domain.tablePages()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(PageTableFormat.class)
    void mapOverAnExistingMappingFailsAndLeavesNothingBehind(PageTableFormat format) {
        open(format);
        long page = Long.lowestOneBit(domain.pgsizeBitmap());
        long base = 1L << 24;
        domain.map(base + 8 * page, 0x7000_0000L, page, RW);
        int pages = domain.tablePages();
        // overlaps in its last page: the first 8 pages were mapped, then rolled back
        assertThat(errno(() -> domain.map(base, 0x1000_0000L, 9 * page, RW))).isEqualTo(Errno.EADDRINUSE);
        assertThat(domain.iovaToPhys(base)).isZero();
        assertThat(domain.iovaToPhys(base + 8 * page)).isEqualTo(0x7000_0000L);
        assertThat(domain.tablePages()).isEqualTo(pages);
    }

    @Test
    void vtdMapThroughALargeLeafOrOverATableIsInUse() {
        open(PageTableFormat.VTD_SECOND_STAGE);
        domain.map(0, 0, M2, RW);
        assertThat(errno(() -> domain.map(K4, 0x9000_0000L, K4, RW))).isEqualTo(Errno.EADDRINUSE);
        domain.map(M2 + K4, M2, K4, RW);
        assertThat(errno(() -> domain.map(M2, 0x9000_0000L, M2, RW))).isEqualTo(Errno.EADDRINUSE);
    }

    @Test
    void unmapStopsAtTheFirstHole() {
        open(PageTableFormat.VTD_SECOND_STAGE);
        domain.map(0, 0x10_0000L, 2 * K4, RW);
        domain.map(3 * K4, 0x20_0000L, K4, RW);
        assertThat(domain.unmap(0, 4 * K4)).isEqualTo(2 * K4);
        assertThat(domain.iovaToPhys(3 * K4)).isEqualTo(0x20_0000L);
        assertThat(domain.unmap(0, K4)).as("nothing mapped at the start").isZero();
    }

    @Test
    void unmapAggregatesAdjacentMapsAcrossPageSizes() {
        open(PageTableFormat.VTD_SECOND_STAGE);
        domain.map(M2 - K4, 0x4000_0000L - K4, K4, RW);
        domain.map(M2, 0x4000_0000L, M2, RW);
        domain.map(2 * M2, 0x5000_0000L, K4, RW);
        assertThat(domain.unmap(M2 - K4, M2 + 2 * K4)).isEqualTo(M2 + 2 * K4);
        assertThat(domain.tablePages()).isEqualTo(1);
    }

    @Test
    void unmapOfPartOfALargePageRemovesItWholeOrNothing() {
        open(PageTableFormat.VTD_SECOND_STAGE);
        domain.map(M2, 0x4000_0000L, M2, RW);
        assertThat(domain.unmap(M2 + K4, K4))
                .as("starts inside the leaf: not split")
                .isZero();
        assertThat(domain.iovaToPhys(M2 + K4)).isEqualTo(0x4000_0000L + K4);
        assertThat(domain.unmap(M2, K4))
                .as("starts at the leaf: all of it goes")
                .isEqualTo(M2);
        assertThat(domain.iovaToPhys(M2 + K4)).isZero();
    }

    @Test
    void mockUnmapInsideAContiguousRunIsRefused() {
        open(PageTableFormat.MOCK);
        long iova = 1L << 24;
        domain.map(iova, 0x10000L, 0x10000L, RW);
        assertThat(domain.unmap(iova + 2048, 2048)).isZero();
        assertThat(domain.unmap(iova, 2048)).isEqualTo(0x10000L);
        assertThat(domain.tablePages()).isEqualTo(1);
    }

    @Test
    void emptyTablesAreFreedAsSoonAsTheyEmpty() {
        open(PageTableFormat.VTD_SECOND_STAGE);
        domain.map(0, 0x10_0000L, K4, RW);
        domain.map(K4, 0x20_0000L, K4, RW);
        assertThat(domain.tablePages()).isEqualTo(4);
        assertThat(domain.unmap(0, K4)).isEqualTo(K4);
        assertThat(domain.tablePages()).as("the PT still holds a page").isEqualTo(4);
        assertThat(domain.unmap(K4, K4)).isEqualTo(K4);
        assertThat(domain.tablePages()).isEqualTo(1);
        // far apart: separate tables at every level, all freed again
        domain.map(0, 0, K4, RW);
        domain.map(1L << 40, 0, K4, RW);
        assertThat(domain.tablePages()).isEqualTo(7);
        assertThat(domain.unmap(1L << 40, K4)).isEqualTo(K4);
        assertThat(domain.unmap(0, K4)).isEqualTo(K4);
        assertThat(domain.tablePages()).isEqualTo(1);
    }

    @Test
    void permissionsAreStoredPerLeaf() {
        open(PageTableFormat.MOCK);
        long iova = 1L << 24;
        domain.map(iova, 0x10000L, 2048, IommuDomain.READ);
        domain.map(iova + 2048, 0x20000L, 2048, IommuDomain.WRITE);
        assertThat(leaf(iova).prot).isEqualTo(IommuDomain.READ);
        assertThat(leaf(iova + 2048).prot).isEqualTo(IommuDomain.WRITE);
    }

    @Test
    void closeRefusesWhileAttachedAndFreesOnce() {
        PagingDomain d = open(PageTableFormat.VTD_SECOND_STAGE);
        DeviceDma dev = Iommu.create("t", java.util.List.of()).addDevice(1);
        dev.attach(d);
        assertThatThrownBy(d::close)
                .isInstanceOf(ErrnoException.class)
                .extracting(e -> ((ErrnoException) e).errno())
                .isEqualTo(Errno.EBUSY);
        dev.detach();
        d.close();
        d.close();
        assertThatThrownBy(() -> d.map(0, 0, K4, RW)).isInstanceOf(IllegalStateException.class);
    }
}
