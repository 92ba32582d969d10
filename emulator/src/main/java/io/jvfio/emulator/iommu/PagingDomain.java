package io.jvfio.emulator.iommu;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one {@link IommuDomain} implementation: an {@link RadixPageTable} of the chosen format plus the
 * domain's geometry, dirty state, the IOMMUs it is attached behind and the nested domains built on
 * it.
 *
 * <p>Locking: writers (map, unmap, dirty, attach bookkeeping, close) hold the monitor. DMA holds
 * {@link #dmaLock} for reading for the whole translate-and-copy; whatever removes translations or
 * must not overlap a DMA (unmap, reading dirty bits, toggling tracking, a device leaving, close)
 * takes it for writing, which drains DMA in flight, and invalidates the IOTLBs before letting DMA
 * go again. Map needs neither: it only fills empty entries, and nothing negative is cached. The
 * IOTLB caches no dirty state: a DMA write tests the leaf's dirty bit in the table itself. Nested
 * domains share the lock and the monitor, so an unmap also drains their DMA and drops their
 * cached translations (which may have come through the unmapped range, as a translation or as a
 * first-stage table page).
 */
final class PagingDomain extends HwDomain implements IommuDomain {
    final RadixPageTable table;

    private final PageTableFormat kind;
    private final long pgsizeBitmap;
    private final Aperture aperture;
    private final boolean dirtyOps;
    private final boolean nestParent;
    private volatile boolean tracking;
    /** Attached devices per IOMMU (IOTLB) they sit behind. */
    private final Map<Iotlb, Integer> attached = new HashMap<>();
    /** The nested domains on this one ({@code s1_domains}). */
    private final List<VtdNestedDomain> nested = new ArrayList<>();

    private volatile boolean closed;

    PagingDomain(PageTableFormat kind, boolean dirtyOps, boolean nestParent) {
        PteFormat format = formatOf(kind);
        long pgsizeBitmap =
                switch (kind) {
                    case VTD_SECOND_STAGE, MOCK -> RadixPageTable.supportedSizes(format);
                    case MOCK_HUGE -> MOCK_HUGE_PAGE_SIZE | 4096;
                };
        super(new DmaLock(), format, largestLeafLevel(format, pgsizeBitmap));
        this.kind = kind;
        this.dirtyOps = dirtyOps;
        this.nestParent = nestParent;
        this.table = new RadixPageTable(format);
        this.pgsizeBitmap = pgsizeBitmap;
        this.aperture = kind == PageTableFormat.MOCK
                ? new Aperture(MOCK_APERTURE_START, MOCK_APERTURE_LAST)
                : new Aperture(0, (1L << format.vaBits()) - 1);
    }

    private static PteFormat formatOf(PageTableFormat kind) {
        return kind == PageTableFormat.VTD_SECOND_STAGE ? VtdSecondStagePte.INSTANCE : AmdV1MockPte.INSTANCE;
    }

    /** The highest level with a leaf size the domain may map. */
    private static int largestLeafLevel(PteFormat format, long pgsizeBitmap) {
        int largest = 0;
        for (int level = 0; level <= format.topLevel(); level++) {
            if ((format.possibleSizes(level) & pgsizeBitmap) != 0) {
                largest = level;
            }
        }
        return largest;
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
    public boolean nestParent() {
        return nestParent;
    }

    @Override
    public Aperture aperture() {
        return aperture;
    }

    @Override
    public synchronized void map(long iova, long paddr, long size, int prot) {
        checkOpen();
        // VT-d's erratum rule (PT_FEAT_VTDSS_FORCE_WRITEABLE); the mock's nest parents map read-only.
        if (nestParent && kind == PageTableFormat.VTD_SECOND_STAGE && (prot & WRITE) == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
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
        if (!attached.isEmpty() || !nested.isEmpty()) {
            throw new ErrnoException(Errno.EBUSY, null, "domain still attached or nested on");
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
    @Override
    boolean tracking() {
        return tracking;
    }

    @Override
    IotlbEntry walk(long iova, Access access) {
        return table.lookupSpan(id, iova);
    }

    @Override
    boolean rewalksDenied() {
        return false;
    }

    @Override
    IommuFault fault(int deviceId, long iova, Access access, FaultReason seen) {
        return new IommuFault(deviceId, id, iova, access, seen, IommuFault.STAGE_PAGING);
    }

    @Override
    synchronized void attach(Iotlb iotlb) {
        checkOpen();
        attached.merge(iotlb, 1, Integer::sum);
    }

    @Override
    synchronized void detach(Iotlb iotlb) {
        leave(attached, iotlb);
    }

    /** Drops the range's translations and every translation of the nested domains on this one. */
    private void invalidate(long first, long last) {
        for (Iotlb iotlb : attached.keySet()) {
            iotlb.invalidate(this, first, last);
        }
        for (VtdNestedDomain n : nested) {
            n.invalidateCaches(0, -1L);
        }
    }

    /** A nested domain is built on this one (monitor held by the caller). */
    void addNested(VtdNestedDomain n) {
        checkOpen();
        if (!nestParent) {
            throw new IllegalStateException("not a nest parent");
        }
        nested.add(n);
    }

    /** The nested domain was freed (monitor held by the caller). */
    void removeNested(VtdNestedDomain n) {
        nested.remove(n);
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
