package io.jvfio.api;

/**
 * A hardware page table (IOMMU_HWPT_ALLOC): a paging domain on an {@link Ioas}, or a nested domain
 * on a paging parent. Closing it destroys it (EBUSY while a device is attached or a nested HWPT uses
 * it).
 */
public sealed interface Hwpt extends AutoCloseable permits HwptImpl {
    /** The kernel's object ID; pass it to {@link VfioDevice#attach(Hwpt)}. */
    int id();

    /** Whether this is a nested (stage-1) HWPT. */
    boolean nested();

    /** Turns dirty tracking on (clearing all dirty bits) or off; needs {@link HwptFlag#DIRTY_TRACKING}. */
    void setDirtyTracking(boolean enabled);

    /**
     * Reads (and, when {@code clear}, clears) the dirty bits of {@code [iova, iova + length)} at
     * {@code pageSize} granularity.
     */
    DirtyBitmap readDirty(long iova, long length, long pageSize, boolean clear);

    /** Destroys the HWPT; a no-op when already closed or when its iommufd was closed. */
    @Override
    void close();
}
