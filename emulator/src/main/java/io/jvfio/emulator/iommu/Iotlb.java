package io.jvfio.emulator.iommu;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * One IOMMU's translation cache, shared by all domains attached behind it and tagged by domain id
 * (VT-d's DID). An entry is a leaf, or a coalesced span of consecutive leaves of one table that
 * continue each other physically ({@link IoPageTable#lookupSpan}). Direct-mapped: an entry lives
 * in the slot its domain, level and the accessed item's index hash to, so a lookup probes one slot
 * per level that can hold leaves.
 *
 * <p>Consistency with the page tables is the domain's job: entries are inserted only under a
 * domain's DMA read lock and invalidated under its write lock, so an invalidation sees every entry
 * of that domain, and none is inserted while it runs. Slots are read with acquire and written with
 * release so an invalidation that overwrote a slot is never undone in another thread's view.
 */
final class Iotlb {
    private static final int SLOTS_LG2 = 12;

    private final AtomicReferenceArray<IotlbEntry> slots = new AtomicReferenceArray<>(1 << SLOTS_LG2);
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
                slots.setRelease(slot(domain.id, e.level, iova >>> domain.format.itemShift(e.level)), e);
            }
        }
        return e;
    }

    /** Drops every entry of the domain that overlaps [first, last]. */
    void invalidate(int domainId, long first, long last) {
        generation.incrementAndGet();
        for (int i = 0; i < slots.length(); i++) {
            IotlbEntry e = slots.getAcquire(i);
            if (e != null && e.domainId == domainId && e.overlaps(first, last)) {
                slots.setRelease(i, null);
            }
        }
    }

    /** Drops every entry of the domain. */
    void invalidateDomain(int domainId) {
        invalidate(domainId, 0, -1L);
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
        int n = 0;
        for (int i = 0; i < slots.length(); i++) {
            IotlbEntry e = slots.getAcquire(i);
            if (e != null && e.domainId == domainId) {
                n++;
            }
        }
        return n;
    }

    private static int slot(int domainId, int level, long itemIndex) {
        long h = (itemIndex * 0x9E37_79B9_7F4A_7C15L) ^ ((long) domainId << 2 | level) * 0xC2B2_AE3D_27D4_EB4FL;
        return (int) (h >>> (64 - SLOTS_LG2));
    }
}
