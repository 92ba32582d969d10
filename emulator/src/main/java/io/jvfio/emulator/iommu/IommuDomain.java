package io.jvfio.emulator.iommu;

/**
 * A paging IOMMU domain (the kernel's struct iommu_domain with its domain and dirty ops): an I/O
 * page table that devices attached to it translate their DMA through. Map and unmap are
 * serialised per domain; DMA runs concurrently with map, and unmap waits for DMA in flight (strict
 * invalidation: once unmap returns, no DMA uses the old translation).
 *
 * <p>Errors are the kernel's errno as {@link io.jvfio.abi.ErrnoException}.
 */
public interface IommuDomain extends Domain {
    /** IOMMU_READ: devices may read the mapped memory. */
    int READ = 1;
    /** IOMMU_WRITE: devices may write the mapped memory. */
    int WRITE = 2;

    /** The selftest mock geometry (iommufd_test.h). */
    long MOCK_PAGE_SIZE = 2048;

    long MOCK_HUGE_PAGE_SIZE = 512 * MOCK_PAGE_SIZE;
    long MOCK_APERTURE_START = 1L << 24;
    long MOCK_APERTURE_LAST = (1L << 31) - 1;

    /**
     * Allocates an empty paging domain (domain_alloc_paging_flags). Only a domain allocated with
     * {@code dirtyTracking} has dirty ops (IOMMU_HWPT_ALLOC_DIRTY_TRACKING).
     */
    static IommuDomain allocPaging(PageTableFormat format, boolean dirtyTracking) {
        return new PagingDomain(format, dirtyTracking, false);
    }

    /**
     * As {@link #allocPaging(PageTableFormat, boolean)}; {@code nestParent}
     * (IOMMU_HWPT_ALLOC_NEST_PARENT) makes a domain nested domains can be built on, which, for
     * 7.2's VT-d second stage with PT_FEAT_VTDSS_FORCE_WRITEABLE (erratum 772415_SPR17), refuses
     * read-only mappings (EINVAL): the first stage's accessed and dirty updates write through it.
     * The mock's nest parents have no such rule.
     */
    static IommuDomain allocPaging(PageTableFormat format, boolean dirtyTracking, boolean nestParent) {
        return new PagingDomain(format, dirtyTracking, nestParent);
    }

    /** Allocated with {@code nestParent}. */
    boolean nestParent();

    PageTableFormat format();

    /** The page sizes map may use (a bit per size); the lowest is the domain's minimum alignment. */
    long pgsizeBitmap();

    Aperture aperture();

    /**
     * Maps [iova, iova+size) to physical (process) memory at paddr with {@link #READ}/{@link
     * #WRITE} permissions, using the largest pages the alignment of iova and paddr allows (iommu_map).
     * All or nothing. EINVAL when prot has neither permission, ENXIO when iova, paddr or size is
     * not a multiple of the smallest page, ERANGE past the table's address width, EADDRINUSE over an
     * existing mapping; EINVAL without WRITE on a VT-d {@link #nestParent()} domain.
     */
    void map(long iova, long paddr, long size, int prot);

    /**
     * Unmaps from iova (iommu_unmap): stops at the first IOVA not mapped, or inside a large page it
     * would split; a page that starts in the range goes whole. Returns the bytes unmapped. The IOTLB
     * is invalidated and DMA in flight drained before it returns.
     */
    long unmap(long iova, long size);

    /** Allocated with dirty tracking (has dirty ops). */
    boolean hasDirtyOps();

    /**
     * Starts or stops write-dirty tracking (set_dirty_tracking). EOPNOTSUPP without dirty ops.
     * Enabling does not clear old dirty bits: iommufd clears them with {@link #readAndClearDirty}.
     */
    void setDirtyTracking(boolean enable);

    boolean dirtyTracking();

    /**
     * Reports the dirty pages overlapping [iova, iova+size) to {@code dirty} and, unless {@code
     * noClear} (IOMMU_DIRTY_NO_CLEAR), makes them clean (read_and_clear_dirty). A dirty large page
     * reports all of itself (clipped to the range). EOPNOTSUPP without dirty ops, ERANGE past the
     * address width.
     */
    void readAndClearDirty(long iova, long size, boolean noClear, DirtyBitmap dirty);

    /**
     * Marks the page covering iova dirty as a DMA write would (the selftest's IOMMU_TEST_OP_DIRTY;
     * the caller checks tracking is on). Returns false when nothing is mapped there.
     */
    boolean setDirty(long iova);

    /** Native pages the I/O page table holds now, the root included (freed tables do not count). */
    int tablePages();

    /** Frees the domain and its tables. EBUSY while devices (or nested domains) use it. */
    @Override
    void close();
}
