package io.jvfio.api;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An I/O address space of an {@link Iommufd} (IOMMU_IOAS_ALLOC): the IOVA → user memory mappings a
 * device attached to it (directly or through a {@link Hwpt}) may DMA to. Closing it destroys it
 * (IOMMU_DESTROY), which fails with EBUSY while a HWPT or device still uses it.
 */
public sealed interface Ioas extends AutoCloseable permits IoasImpl {
    /** The kernel's object ID. */
    int id();

    /** Maps {@code memory} at a fixed {@code iova} (IOMMU_IOAS_MAP_FIXED_IOVA). */
    Mapping map(MemorySegment memory, long iova, DmaAccess access);

    /** Maps {@code memory} at an IOVA the kernel picks. */
    Mapping map(MemorySegment memory, DmaAccess access);

    /**
     * Unmaps whole mappings inside {@code [iova, iova + length)}; returns the bytes unmapped. A range
     * that cuts a mapping fails with ENOENT.
     */
    long unmap(long iova, long length);

    /** Unmaps one mapping made earlier. */
    long unmap(Mapping mapping);

    /** Unmaps everything; returns the bytes unmapped (0 when empty). */
    long unmapAll();

    /**
     * Maps {@code length} bytes already mapped at {@code srcIova} of {@code source} into this IOAS at
     * {@code dstIova}, sharing their pages (IOMMU_IOAS_COPY).
     */
    Mapping copy(Ioas source, long srcIova, long length, long dstIova, DmaAccess access);

    /** As {@link #copy(Ioas, long, long, long, DmaAccess)}, at an IOVA the kernel picks. */
    Mapping copy(Ioas source, long srcIova, long length, DmaAccess access);

    /** The usable IOVA ranges and the required alignment. */
    IovaRanges iovaRanges();

    /**
     * Restricts automatic IOVA allocation to {@code ranges} and keeps them from ever becoming reserved
     * (IOMMU_IOAS_ALLOW_IOVAS); an empty list lifts the restriction.
     */
    void allowIovas(List<IovaRange> ranges);

    /** Whether the IOAS may use large IOMMU pages (IOMMU_OPTION_HUGE_PAGES; the default is true). */
    boolean hugePages();

    void setHugePages(boolean allowed);

    /** Destroys the IOAS; a no-op when already closed or when its iommufd was closed. */
    @Override
    void close();
}
