package io.jvfio.emulator.iommu;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;

/**
 * The one {@link IommuDomain} implementation: an {@link IoPageTable} of the chosen format plus the
 * domain's geometry, dirty state and the IOMMUs it is attached behind.
 *
 * <p>Locking: writers (map, unmap, dirty, attach bookkeeping, close) hold the monitor. DMA holds
 * {@link #dmaLock} for reading for the whole translate-and-copy; whatever removes translations or
 * must not overlap a DMA (unmap, reading dirty bits, toggling tracking, a device leaving, close)
 * takes it for writing, which drains DMA in flight, and invalidates the IOTLBs before letting DMA
 * go again. Map needs neither: it only fills empty entries, and nothing negative is cached. The
 * IOTLB caches no dirty state: a DMA write tests the leaf's dirty bit in the table itself.
 */
final class PagingDomain implements IommuDomain {
    private volatile Consumer<PageRequest> iopfHandler;
    private static final AtomicInteger IDS = new AtomicInteger();

    final int id = IDS.incrementAndGet();
    final PteFormat format;
    final IoPageTable table;
    final int largestLeafLevel;
    final StampedLock dmaLock = new StampedLock();

    private final PageTableFormat kind;
    private final long pgsizeBitmap;
    private final Aperture aperture;
    private final boolean dirtyOps;
    private volatile boolean tracking;
    /** Attached devices per IOMMU (IOTLB) they sit behind. */
    private final Map<Iotlb, Integer> attached = new HashMap<>();

    private volatile boolean closed;

    PagingDomain(PageTableFormat kind, boolean dirtyOps) {
        this.kind = kind;
        this.dirtyOps = dirtyOps;
        this.format = kind == PageTableFormat.VTD_SECOND_STAGE ? VtdSecondStagePte.INSTANCE : AmdV1MockPte.INSTANCE;
        this.table = new IoPageTable(format);
        long tableSizes = table.supportedSizes();
        this.pgsizeBitmap = switch (kind) {
            case VTD_SECOND_STAGE, MOCK -> tableSizes;
            case MOCK_HUGE -> MOCK_HUGE_PAGE_SIZE | 4096;
        };
        this.aperture = kind == PageTableFormat.MOCK
                ? new Aperture(MOCK_APERTURE_START, MOCK_APERTURE_LAST)
                : new Aperture(0, (1L << format.vaBits()) - 1);
        int largest = 0;
        for (int level = 0; level <= format.topLevel(); level++) {
            if ((format.possibleSizes(level) & pgsizeBitmap) != 0) {
                largest = level;
            }
        }
        this.largestLeafLevel = largest;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public PageTableFormat format() {
        return kind;
    }

    @Override
    public long pgsizeBitmap() {
        return pgsizeBitmap;
    }

    @Override
    public Aperture aperture() {
        return aperture;
    }

    @Override
    public synchronized void map(long iova, long paddr, long size, int prot) {
        checkOpen();
        table.map(iova, paddr, size, prot, pgsizeBitmap);
    }

    @Override
    public synchronized long unmap(long iova, long size) {
        checkOpen();
        long stamp = dmaLock.writeLock();
        try {
            long unmapped = table.unmap(iova, size);
            if (unmapped > 0) {
                invalidate(iova, iova + unmapped - 1);
            }
            return unmapped;
        } finally {
            dmaLock.unlockWrite(stamp);
        }
    }

    @Override
    public void setIopfHandler(Consumer<PageRequest> handler) {
        this.iopfHandler = handler;
    }

    @Override
    public Consumer<PageRequest> iopfHandler() {
        return iopfHandler;
    }

    @Override
    public long iovaToPhys(long iova) {
        long stamp = dmaLock.readLock();
        try {
            checkOpen();
            IotlbEntry e = table.lookup(id, iova);
            return e == null ? 0 : e.address + (iova - e.iova);
        } finally {
            dmaLock.unlockRead(stamp);
        }
    }

    @Override
    public boolean hasDirtyOps() {
        return dirtyOps;
    }

    @Override
    public synchronized void setDirtyTracking(boolean enable) {
        checkDirtyOps();
        // Drained, so that every DMA write after this returns is tracked (or none is).
        long stamp = dmaLock.writeLock();
        try {
            tracking = enable;
        } finally {
            dmaLock.unlockWrite(stamp);
        }
    }

    @Override
    public boolean dirtyTracking() {
        return tracking;
    }

    @Override
    public synchronized void readAndClearDirty(long iova, long size, boolean noClear, DirtyBitmap dirty) {
        checkDirtyOps();
        // Drained: the report is a snapshot no DMA write is halfway through.
        long stamp = dmaLock.writeLock();
        try {
            table.readAndClearDirty(iova, size, noClear, dirty);
        } finally {
            dmaLock.unlockWrite(stamp);
        }
    }

    @Override
    public synchronized boolean setDirty(long iova) {
        checkOpen();
        return table.setDirty(iova);
    }

    @Override
    public synchronized int tablePages() {
        return table.tablePages();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (!attached.isEmpty()) {
            throw new ErrnoException(Errno.EBUSY, null, "domain still attached");
        }
        // Drained: a concurrent iovaToPhys must not walk freed tables.
        long stamp = dmaLock.writeLock();
        try {
            closed = true;
            table.close();
        } finally {
            dmaLock.unlockWrite(stamp);
        }
    }

    /** Write-dirty tracking is on: DMA writes set the dirty bit. */
    boolean tracking() {
        return tracking;
    }

    /** A device behind {@code iotlb} now uses this domain. */
    synchronized void attach(Iotlb iotlb) {
        checkOpen();
        attached.merge(iotlb, 1, Integer::sum);
    }

    /**
     * A device behind {@code iotlb} stopped using this domain: waits for its DMA in flight, and
     * when it was the last such device there, drops the domain's entries from that IOTLB (unmaps
     * done meanwhile invalidate only the IOTLBs the domain is attached behind).
     */
    synchronized void detach(Iotlb iotlb) {
        long stamp = dmaLock.writeLock();
        try {
            if (attached.merge(iotlb, -1, Integer::sum) == 0) {
                attached.remove(iotlb);
                iotlb.invalidateDomain(id);
            }
        } finally {
            dmaLock.unlockWrite(stamp);
        }
    }

    private void invalidate(long first, long last) {
        for (Iotlb iotlb : attached.keySet()) {
            iotlb.invalidate(id, first, last);
        }
    }

    private void checkDirtyOps() {
        checkOpen();
        if (!dirtyOps) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("domain " + id + " was freed");
        }
    }
}
