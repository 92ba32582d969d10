package io.jvfio.emulator.iommu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * One IOMMU's translation cache, shared by all domains attached behind it and tagged by domain id
 * (VT-d's DID). An entry is a leaf, or a coalesced span of consecutive leaves of one table that
 * continue each other physically ({@link RadixPageTable#lookupSpan}). Direct-mapped: an entry lives
 * in the slot its domain, level and the accessed item's index hash to, so a lookup probes one slot
 * per level that can hold leaves.
 *
 * <p>Consistency with the page tables is the domain's job: entries are inserted only under a
 * domain's DMA read lock and invalidated under its write lock, so an invalidation sees every entry
 * of that domain, and none is inserted while it runs. Slots are read with acquire and written with
 * release so an invalidation that overwrote a slot is never undone in another thread's view.
 *
 * <p>An invalidation of a small range probes only the slots an overlapping entry can be in: an
 * entry sits in the slot of an item it covers, so at each level the items of the range widened by
 * the most items any entry at that level has covered (a span). It scans every slot when that is
 * fewer probes.
 */
final class Iotlb {
    private static final int SLOTS_LG2 = 12;
    /** More levels than any format has. */
    private static final int LEVELS = 8;

    private final AtomicReferenceArray<IotlbEntry> slots = new AtomicReferenceArray<>(1 << SLOTS_LG2);
    /**
     * Per level, the most items one entry inserted at it has covered (0: none inserted there).
     * Only grows; set before the entry is inserted, under the domain's DMA read lock, so the
     * invalidation under its write lock sees a bound for every entry of that domain.
     */
    private final AtomicIntegerArray spanItems = new AtomicIntegerArray(LEVELS);

    private final LongAdder misses = new LongAdder();
    /** Counts invalidations: a translation recorded under an older value may be stale. */
    private final AtomicLong generation = new AtomicLong();

    /** The cached leaf of {@code domain} covering {@code iova}, or null. */
    IotlbEntry lookup(HwDomain domain, long iova) {
        PteFormat fmt = domain.format;
        for (int level = 0; level <= domain.largestLeafLevel; level++) {
            IotlbEntry e = slots.getAcquire(slot(domain.id, level, iova >>> fmt.itemShift(level)));
            if (e != null && e.domainId == domain.id && e.covers(iova)) {
                return e;
            }
        }
        return null;
    }

    /**
     * The translation of {@code iova} for {@code access}: cached, or walked and cached; null when
     * not mapped. A cached entry without the permission is walked again where the domain says so
     * ({@link HwDomain#rewalksDenied}).
     */
    IotlbEntry translate(HwDomain domain, long iova, Access access) {
        IotlbEntry e = lookup(domain, iova);
        if (e == null || ((e.prot & access.prot()) == 0 && domain.rewalksDenied())) {
            misses.increment();
            e = domain.walk(iova, access);
            if (e != null) {
                int shift = domain.format.itemShift(e.level);
                long items = ((e.iova + e.size - 1) >>> shift) - (e.iova >>> shift) + 1;
                spanItems.accumulateAndGet(e.level, (int) Math.min(items, Integer.MAX_VALUE), Math::max);
                slots.setRelease(slot(domain.id, e.level, iova >>> shift), e);
            }
        }
        return e;
    }

    /** Drops every entry of the domain that overlaps [first, last] (its DMA write lock held). */
    void invalidate(HwDomain domain, long first, long last) {
        generation.incrementAndGet();
        long probes = 0;
        // Only the levels lookup probes: an entry above them is never returned, so never stale.
        for (int level = 0; level <= domain.largestLeafLevel; level++) {
            int bound = spanItems.get(level);
            if (bound > 0) {
                int shift = domain.format.itemShift(level);
                probes += ((last >>> shift) - (first >>> shift)) + 2L * bound - 1;
            }
        }
        if (probes >= slots.length()) {
            for (int i = 0; i < slots.length(); i++) {
                drop(i, domain.id, first, last);
            }
            return;
        }
        // A bound read again may have grown by other domains' entries: still a bound for ours.
        for (int level = 0; level <= domain.largestLeafLevel; level++) {
            int bound = spanItems.get(level);
            if (bound > 0) {
                int shift = domain.format.itemShift(level);
                long end = (last >>> shift) + bound - 1;
                for (long item = Math.max(0, (first >>> shift) - bound + 1); item <= end; item++) {
                    drop(slot(domain.id, level, item), domain.id, first, last);
                }
            }
        }
    }

    private void drop(int slot, int domainId, long first, long last) {
        IotlbEntry e = slots.getAcquire(slot);
        if (e != null && e.domainId == domainId && e.overlaps(first, last)) {
            // Not a plain store: another domain's entry written here meanwhile stays.
            slots.compareAndSet(slot, e, null);
        }
    }

    /** Drops every entry of the domain. */
    void invalidateDomain(HwDomain domain) {
        invalidate(domain, 0, -1L);
    }

    /**
     * The invalidations so far. Whatever keeps translations outside the slots (a DMA's recorded
     * transfer) tags them with this and uses them only while it is unchanged, so any invalidation
     * drops them too.
     */
    long generation() {
        return generation.get();
    }

    /** Page walks done so far (translations not found in the cache). */
    long misses() {
        return misses.sum();
    }

    /** Entries of the domain now cached. */
    int cached(int domainId) {
        return entries(domainId).size();
    }

    /** The entries of the domain now cached, in slot order. */
    List<IotlbEntry> entries(int domainId) {
        List<IotlbEntry> out = new ArrayList<>();
        for (int i = 0; i < slots.length(); i++) {
            IotlbEntry e = slots.getAcquire(i);
            if (e != null && e.domainId == domainId) {
                out.add(e);
            }
        }
        return out;
    }

    private static int slot(int domainId, int level, long itemIndex) {
        long h = (itemIndex * 0x9E37_79B9_7F4A_7C15L) ^ ((long) domainId << 2 | level) * 0xC2B2_AE3D_27D4_EB4FL;
        return (int) (h >>> (64 - SLOTS_LG2));
    }
}
