package io.jvfio.api;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Page-aligned anonymous memory for DMA (mmap through the boundary), mappable into IOASes. Closing
 * it unmaps it from every IOAS it is still mapped in, then releases the memory.
 */
public sealed interface DmaBuffer extends AutoCloseable permits DmaBufferImpl {
    /** The memory; its size is the requested size rounded up to whole pages. */
    MemorySegment segment();

    PageSize pageSize();

    /** Maps the whole buffer into {@code ioas} at an IOVA the kernel picks. */
    Mapping map(Ioas ioas, DmaAccess access);

    /** Maps the whole buffer into {@code ioas} at {@code iova}. */
    Mapping map(Ioas ioas, long iova, DmaAccess access);

    /** Removes one mapping made through {@link #map}. */
    void unmap(Mapping mapping);

    /** The live mappings made through {@link #map}, oldest first. */
    List<Mapping> mappings();

    /**
     * The IOVA of the buffer's first live mapping: what to program into a device. IllegalStateException
     * when it is not mapped.
     */
    long iova();

    @Override
    void close();
}
