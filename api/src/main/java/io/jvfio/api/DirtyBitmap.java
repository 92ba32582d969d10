package io.jvfio.api;

import java.util.BitSet;
import java.util.stream.LongStream;

/**
 * The dirty state of {@code [iova, iova + length)} in units of {@code pageSize}
 * (IOMMU_HWPT_GET_DIRTY_BITMAP): bit n reports the page at {@code iova + n * pageSize}.
 */
public record DirtyBitmap(long iova, long length, long pageSize, BitSet bits) {
    public DirtyBitmap {
        bits = (BitSet) bits.clone();
    }

    @Override
    public BitSet bits() {
        return (BitSet) bits.clone();
    }

    public boolean isDirty(long address) {
        if (Long.compareUnsigned(address - iova, length) >= 0) {
            throw new IllegalArgumentException(Sys.hex(address) + " is outside the bitmap's range");
        }
        return bits.get((int) ((address - iova) / pageSize));
    }

    /** The IOVAs of the dirty pages, ascending. */
    public LongStream dirtyPages() {
        return bits.stream().mapToLong(n -> iova + n * pageSize);
    }
}
