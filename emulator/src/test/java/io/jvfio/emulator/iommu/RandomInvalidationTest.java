package io.jvfio.emulator.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random IOTLB contents (two domains behind one IOMMU, leaves of every size, spans of
 * consecutive leaves) and random range invalidations: what a range invalidation leaves is exactly
 * what dropping every overlapping entry of that domain from every slot leaves, whether it probed
 * the range's slots or scanned them all.
 */
class RandomInvalidationTest {
    private static final int ROUNDS = 300;
    private static final long M2 = 2L << 20;

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("io.jvfio.emulator.iommu.RandomMapUnmapTest#cases")
    void aRangeInvalidationDropsExactlyTheOverlappingEntriesOfItsDomain(PageTableFormat format, long seed) {
        Random rnd = new Random(seed);
        Iommu iommu = Iommu.create("dmar0", List.of());
        Iotlb iotlb = iommu.iotlb;
        try (PagingDomain a = (PagingDomain) IommuDomain.allocPaging(format, false);
                PagingDomain b = (PagingDomain) IommuDomain.allocPaging(format, false)) {
            List<PagingDomain> domains = List.of(a, b);
            List<List<long[]>> areas = List.of(fill(a, rnd), fill(b, rnd));
            int dropped = 0;
            int kept = 0;
            int probed = 0;
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < 2; i++) {
                    for (int n = rnd.nextInt(40); n > 0; n--) {
                        long[] area = areas.get(i).get(rnd.nextInt(areas.get(i).size()));
                        iotlb.translate(domains.get(i), area[0] + Math.floorMod(rnd.nextLong(), area[1]), Access.READ);
                    }
                }
                int target = rnd.nextInt(2);
                PagingDomain d = domains.get(target);
                long page = Long.lowestOneBit(d.pgsizeBitmap());
                List<IotlbEntry> cached = iotlb.entries(d.id);
                long first;
                long last;
                int kind = rnd.nextInt(10);
                if (kind < 6 && !cached.isEmpty()) {
                    // Small, inside or at the edge of a cached entry (often a span's middle).
                    IotlbEntry e = cached.get(rnd.nextInt(cached.size()));
                    first = e.iova + (Math.floorMod(rnd.nextLong(), e.size + 2 * page) - page & -page);
                    last = first + page * (1 + rnd.nextInt(3)) - 1;
                    probed++;
                } else if (kind < 9) {
                    long[] area =
                            areas.get(target).get(rnd.nextInt(areas.get(target).size()));
                    first = area[0] + (Math.floorMod(rnd.nextLong(), area[1]) & -page);
                    last = first + (kind == 8 ? 64L << 20 : page) - 1;
                } else {
                    first = 0;
                    last = -1L;
                }
                long f = first;
                long l = last;
                List<IotlbEntry> expected =
                        cached.stream().filter(e -> !e.overlaps(f, l)).toList();
                List<IotlbEntry> other = iotlb.entries(domains.get(1 - target).id);
                iotlb.invalidate(d, first, last);
                assertThat(iotlb.entries(d.id))
                        .as("round %d: [%x, %x]", round, first, last)
                        .containsExactlyElementsOf(expected);
                assertThat(iotlb.entries(domains.get(1 - target).id)).containsExactlyElementsOf(other);
                dropped += cached.size() - expected.size();
                kept += expected.size();
            }
            assertThat(probed).as("small invalidations next to entries").isGreaterThan(ROUNDS / 4);
            assertThat(dropped).isPositive();
            assertThat(kept).isPositive();
        }
    }

    /**
     * Disjoint areas of the domain, {iova, size}: small ones of the smallest page, multi-page
     * ones physically contiguous (spans) or not, and 2 MiB-aligned ones of large leaves.
     */
    private static List<long[]> fill(PagingDomain d, Random rnd) {
        long page = Long.lowestOneBit(d.pgsizeBitmap());
        long base = d.aperture().start() + (1L << 30);
        List<long[]> areas = new ArrayList<>();
        for (int slot = 0; slot < 24; slot++) {
            long iova = base + slot * 2 * M2;
            long pa = (1L << 34) + rnd.nextInt(1 << 10) * M2;
            int prot = IommuDomain.READ | (rnd.nextBoolean() ? IommuDomain.WRITE : 0);
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    long size = page * (1 + rnd.nextInt(64));
                    d.map(iova, pa + page * rnd.nextInt(8), size, prot);
                    areas.add(new long[] {iova, size});
                }
                case 1 -> {
                    // Page by page, every other page elsewhere: leaves that do not coalesce.
                    int pages = 2 + rnd.nextInt(16);
                    for (int p = 0; p < pages; p++) {
                        d.map(iova + p * page, pa + p * page * (1 + p % 2), page, prot);
                    }
                    areas.add(new long[] {iova, pages * page});
                }
                default -> {
                    long size = M2 * (1 + rnd.nextInt(2)) - (rnd.nextBoolean() ? page : 0);
                    d.map(iova, pa, size, prot);
                    areas.add(new long[] {iova, size});
                }
            }
        }
        return areas;
    }
}
