package io.jvfio.emulator.iommu;

/**
 * Where {@link IommuDomain#readAndClearDirty} reports dirty IOVA, like the kernel's iova_bitmap:
 * the caller turns ranges into bits at its own page size. Ranges are already clipped to the range
 * that was asked for.
 */
@FunctionalInterface
public interface DirtyBitmap {
    /** Ignores what it is told: for clearing dirty state without reading it. */
    DirtyBitmap NONE = (iova, length) -> {};

    void set(long iova, long length);
}
