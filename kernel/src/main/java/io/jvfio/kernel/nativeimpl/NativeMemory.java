package io.jvfio.kernel.nativeimpl;

import java.lang.foreign.MemorySegment;

/**
 * Segments over raw addresses of this process: the FFM API's restricted {@code reinterpret}, made
 * in this package alone so that a user on the module path grants native access to the
 * {@code io.jvfio.kernel} module and to nothing else. The package is exported only to jvfio's own
 * modules; each caller vouches for the addresses it passes (memory it mapped, pages the emulated
 * kernel pinned, a struct the kernel filled in).
 */
public final class NativeMemory {
    /** The whole address space, so hot paths (DMA, page walks) use raw addresses without a segment each. */
    public static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private NativeMemory() {}

    /** The {@code length} bytes at {@code address}. */
    public static MemorySegment at(long address, long length) {
        return MemorySegment.ofAddress(address).reinterpret(length);
    }
}
