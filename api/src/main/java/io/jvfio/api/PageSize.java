package io.jvfio.api;

import io.jvfio.abi.Linux;

/** The page size backing a {@link DmaBuffer}. */
public enum PageSize {
    BASE_4K(Linux.PAGE_SIZE, 0),
    HUGE_2M(2L << 20, Linux.Map.HUGETLB | Linux.Map.HUGE_2MB),
    HUGE_1G(1L << 30, Linux.Map.HUGETLB | Linux.Map.HUGE_1GB);

    private final long bytes;
    private final int mmapFlags;

    PageSize(long bytes, int mmapFlags) {
        this.bytes = bytes;
        this.mmapFlags = mmapFlags;
    }

    public long bytes() {
        return bytes;
    }

    boolean huge() {
        return mmapFlags != 0;
    }

    int mmapFlags() {
        return mmapFlags;
    }

    /** {@code size} rounded up to a whole number of pages. */
    long roundUp(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("buffer size must be positive: " + size);
        }
        return Math.ceilDiv(size, bytes) * bytes;
    }
}
