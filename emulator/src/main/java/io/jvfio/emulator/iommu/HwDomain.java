package io.jvfio.emulator.iommu;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What the DMA path translates through: a {@link PagingDomain} (one table) or a {@link
 * VtdNestedDomain} (a first-stage table nested on a paging parent). The IOTLB caches either's
 * translations as {@link IotlbEntry}s tagged with {@link #id}; DMA holds {@link #dmaLock} for
 * reading across translate and copy, and whatever removes translations takes it for writing.
 */
abstract sealed class HwDomain implements Domain permits PagingDomain, VtdNestedDomain {
    private static final AtomicInteger IDS = new AtomicInteger();

    final int id = IDS.incrementAndGet();
    /** A nested domain shares its parent's: a parent unmap must drain the nested domains' DMA too. */
    final DmaLock dmaLock;
    /** The format whose levels the IOTLB entries' levels are, and whose dirty bit a DMA write sets. */
    final PteFormat format;
    /** The highest level an IOTLB entry of this domain can be at. */
    final int largestLeafLevel;

    private volatile Consumer<PageRequest> iopfHandler;

    HwDomain(DmaLock dmaLock, PteFormat format, int largestLeafLevel) {
        this.dmaLock = dmaLock;
        this.format = format;
        this.largestLeafLevel = largestLeafLevel;
    }

    @Override
    public final int id() {
        return id;
    }

    @Override
    public final void setIopfHandler(Consumer<PageRequest> handler) {
        this.iopfHandler = handler;
    }

    @Override
    public final Consumer<PageRequest> iopfHandler() {
        return iopfHandler;
    }

    /** The IOVA range DMA may use; outside it every access faults OUT_OF_APERTURE. */
    abstract Aperture aperture();

    /** DMA writes set the dirty bit of the leaf in {@link IotlbEntry#pteAddress}. */
    abstract boolean tracking();

    /**
     * The translation of iova for {@code access} (an IOTLB miss): the leaf, or the span of leaves
     * the IOTLB may cache, or null when nothing translates it. May return an entry without the
     * permission {@code access} needs; the caller checks.
     */
    abstract IotlbEntry walk(long iova, Access access);

    /**
     * Whether a cached entry lacking the permission an access needs must be walked again before
     * the access faults: true where the walk itself grants permissions (a first-stage write walk
     * sets the dirty bit, and only then may the IOTLB hold the entry as writable).
     */
    abstract boolean rewalksDenied();

    /**
     * The fault record of an access to iova that the DMA path found {@code seen} (NOT_PRESENT or
     * PERMISSION): which stage refused it, and why.
     */
    abstract IommuFault fault(int deviceId, long iova, Access access, FaultReason seen);

    /** A device behind {@code iotlb} now uses this domain. */
    abstract void attach(Iotlb iotlb);

    /**
     * A device behind {@code iotlb} stopped using this domain: waits for DMA in flight, and when it
     * was the last such device there, drops the domain's entries from that IOTLB.
     */
    abstract void detach(Iotlb iotlb);

    /**
     * Counts a device out of {@code attached} (devices per IOTLB, guarded by the caller's monitor)
     * after draining DMA; the last one behind an IOTLB drops the domain's entries there, so
     * invalidations done while the domain is not attached behind it cannot leave stale entries.
     */
    final void leave(Map<Iotlb, Integer> attached, Iotlb iotlb) {
        long stamp = dmaLock.writeLock();
        try {
            if (attached.merge(iotlb, -1, Integer::sum) == 0) {
                attached.remove(iotlb);
                iotlb.invalidateDomain(this);
            }
        } finally {
            dmaLock.unlockWrite(stamp);
        }
    }
}
