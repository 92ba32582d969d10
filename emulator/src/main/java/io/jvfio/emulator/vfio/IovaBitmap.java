package io.jvfio.emulator.vfio;

import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.UserMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A user bitmap of dirty IOVA ({@code struct iova_bitmap}): bit n of the u64 array at {@code data}
 * stands for [iova + n * pageSize, iova + (n + 1) * pageSize). Bits are only ever set, never
 * cleared.
 */
public final class IovaBitmap {
    private final long iova;
    private final long length;
    private final int pgshift;
    private final long data;

    /** {@code iova_bitmap_alloc}: {@code pageSize} is a power of two. */
    IovaBitmap(long iova, long length, long pageSize, long data) {
        this.iova = iova;
        this.length = length;
        this.pgshift = Long.numberOfTrailingZeros(pageSize);
        this.data = data;
    }

    /** The first IOVA the bitmap covers. */
    public long iova() {
        return iova;
    }

    /** The length of IOVA the bitmap covers. */
    public long length() {
        return length;
    }

    /**
     * {@code iova_bitmap_set}: marks [start, start + len) dirty, clipped to the bitmap. Like the
     * kernel, whose pin of the user pages may fail here, a bad bitmap address sets nothing and
     * reports nothing.
     */
    public void set(long start, long len) {
        long last = Math.min(start + len - 1, iova + length - 1);
        long first = Math.max(start, iova);
        if (len == 0 || Long.compareUnsigned(first, last) > 0) {
            return;
        }
        long firstBit = (first - iova) >>> pgshift;
        long lastBit = (last - iova) >>> pgshift;
        try (Arena arena = Arena.ofConfined()) {
            for (long word = firstBit >>> 6; word <= lastBit >>> 6; word++) {
                long lo = Math.max(firstBit, word << 6) & 63;
                long hi = Math.min(lastBit, (word << 6) + 63) & 63;
                long mask = (hi == 63 ? -1L : (1L << (hi + 1)) - 1) & (-1L << lo);
                long addr = data + word * 8;
                MemorySegment w = UserMemory.copyIn(addr, 8, arena);
                w.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, w.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) | mask);
                UserMemory.copyOut(w, addr, 8);
            }
        } catch (ErrnoException e) {
            // iova_bitmap_set has no way to fail: the bits are lost.
        }
    }
}
