package io.jvfio.emulator.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random map/unmap sequences checked against a model that knows only areas (what iommufd
 * maps): translations, the stop-at-hole unmap, all-or-nothing EADDRINUSE, leaves never larger
 * than their area but as large as alignment allows, and no table left behind.
 */
class RandomMapUnmapTest {
    private static final int OPS = 400;

    record Area(long iova, long size, long pa, int prot) {
        long end() {
            return iova + size;
        }
    }

    /** Every page-table format with four seeds; RandomInvalidationTest runs on the same. */
    static Stream<Arguments> cases() {
        return Stream.of(PageTableFormat.values())
                .flatMap(f -> Stream.of(1L, 2L, 3L, 0xfeedL).map(seed -> Arguments.of(f, seed)));
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    void randomSequenceMatchesTheModel(PageTableFormat format, long seed) {
        Random rnd = new Random(seed);
        try (PagingDomain d = (PagingDomain) IommuDomain.allocPaging(format, false)) {
            TreeMap<Long, Area> model = new TreeMap<>();
            long[] sizes = allowedSizesUpTo(d.pgsizeBitmap(), 4L << 20);
            long page = sizes[0];
            long base = d.aperture().start() + (1L << 30) - (1L << 24);
            long window = 32L << 20;
            int maps = 0;
            int collisions = 0;
            int holes = 0;
            for (int op = 0; op < OPS; op++) {
                int kind = rnd.nextInt(100);
                if (kind < 55) {
                    long align = sizes[rnd.nextInt(sizes.length)];
                    long size = align * (1 + rnd.nextInt(3)) + page * rnd.nextInt(4);
                    long iova = base + (Math.floorMod(rnd.nextLong(), window) & -align);
                    long pa = (1L << 34) + (Math.floorMod(rnd.nextLong(), 1L << 32) & -align);
                    if (rnd.nextInt(4) == 0) {
                        pa += page; // misaligned against iova: small pages only
                    }
                    int prot = 1 + rnd.nextInt(3);
                    Area a = new Area(iova, size, pa, prot);
                    if (overlaps(model, a)) {
                        collisions++;
                        int pages = d.tablePages();
                        try {
                            d.map(iova, pa, size, prot);
                            fail("map over an existing area succeeded: " + a);
                        } catch (ErrnoException e) {
                            assertThat(e.errno()).isEqualTo(Errno.EADDRINUSE);
                        }
                        assertThat(d.tablePages()).isEqualTo(pages);
                    } else {
                        d.map(iova, pa, size, prot);
                        model.put(iova, a);
                        maps++;
                    }
                    check(d, model, a.iova() - page, a.end() + page, rnd);
                } else if (!model.isEmpty()) {
                    Area first = randomArea(model, rnd);
                    // a run of areas that touch: unmap aggregates them
                    long end = first.end();
                    int span = rnd.nextInt(3);
                    for (Area next = model.get(end); next != null && span > 0; next = model.get(end), span--) {
                        end = next.end();
                    }
                    boolean pastTheEnd = rnd.nextInt(5) == 0 && !model.containsKey(end);
                    holes += pastTheEnd ? 1 : 0;
                    long asked = end - first.iova() + (pastTheEnd ? page * (1 + rnd.nextInt(8)) : 0);
                    assertThat(d.unmap(first.iova(), asked))
                            .as("unmap %x+%x stops at the hole", first.iova(), asked)
                            .isEqualTo(end - first.iova());
                    model.subMap(first.iova(), end).clear();
                    check(d, model, first.iova() - page, end + page, rnd);
                }
            }
            check(d, model, base, base + window + (8L << 20), rnd);
            for (Area a : model.values()) {
                assertThat(d.unmap(a.iova(), a.size())).isEqualTo(a.size());
            }
            assertThat(d.tablePages()).as("every table freed").isEqualTo(1);
            assertThat(new int[] {maps, collisions, holes})
                    .as("the sequence exercised every case")
                    .doesNotContain(0);
        }
    }

    private static long[] allowedSizesUpTo(long bitmap, long max) {
        return Stream.iterate(
                        Long.lowestOneBit(bitmap), s -> s != 0 && s <= max, s -> Long.lowestOneBit(bitmap & -(s << 1)))
                .mapToLong(Long::longValue)
                .toArray();
    }

    private static boolean overlaps(TreeMap<Long, Area> model, Area a) {
        Map.Entry<Long, Area> below = model.lowerEntry(a.end());
        return below != null && below.getValue().end() > a.iova();
    }

    private static Area randomArea(TreeMap<Long, Area> model, Random rnd) {
        Long key = model.ceilingKey(
                model.firstKey() + Math.floorMod(rnd.nextLong(), model.lastKey() - model.firstKey() + 1));
        return model.get(key);
    }

    /** Probes [from, to) at random points and area edges against the model. */
    private static void check(PagingDomain d, TreeMap<Long, Area> model, long from, long to, Random rnd) {
        for (int i = 0; i < 48; i++) {
            long iova = from + Math.floorMod(rnd.nextLong(), to - from);
            probe(d, model, iova);
        }
        for (Area a : model.subMap(from, to).values()) {
            probe(d, model, a.iova());
            probe(d, model, a.end() - 1);
            probe(d, model, a.end());
        }
    }

    private static void probe(PagingDomain d, TreeMap<Long, Area> model, long iova) {
        Map.Entry<Long, Area> e = model.floorEntry(iova);
        Area a = e != null && e.getValue().end() > iova ? e.getValue() : null;
        IotlbEntry leaf = d.table.lookup(d.id, iova);
        if (a == null) {
            assertThat(leaf).as("%x is not mapped", iova).isNull();
            assertThat(d.iovaToPhys(iova)).isZero();
            return;
        }
        assertThat(d.iovaToPhys(iova)).as("%x in %s", iova, a).isEqualTo(a.pa() + iova - a.iova());
        assertThat(leaf.prot).isEqualTo(a.prot());
        assertThat(leaf.iova % leaf.size).isZero();
        assertThat(leaf.iova).isGreaterThanOrEqualTo(a.iova());
        assertThat(leaf.iova + leaf.size).isLessThanOrEqualTo(a.end());
        // No larger allowed page would have fitted the area at this place.
        for (long s = leaf.size << 1; s != 0 && s <= a.size(); s <<= 1) {
            long block = iova & -s;
            boolean fits = (d.pgsizeBitmap() & s) != 0
                    && block >= a.iova()
                    && block + s <= a.end()
                    && (a.pa() + block - a.iova()) % s == 0;
            assertThat(fits)
                    .as("%x: a %x page fits but a %x leaf was used", iova, s, leaf.size)
                    .isFalse();
        }
    }
}
