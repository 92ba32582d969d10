package io.jvfio.emulator.iommu;

/**
 * One translation of one domain: a leaf (for the mock's contiguous runs, the whole run), or in the
 * {@link Iotlb} possibly a coalesced span of consecutive leaves of one table (see {@link
 * RadixPageTable#lookupSpan}).
 */
final class IotlbEntry {
    final int domainId;
    final int level;
    final long iova;
    final long size;
    /** The size of the first leaf: {@link #size} unless coalesced. */
    final long leafSize;

    final long address;
    final int prot;
    /** The leaf's (first) entry in its table: where a write sets the dirty bit. */
    final long pteAddress;

    IotlbEntry(int domainId, int level, long iova, long size, long leafSize, long address, int prot, long pteAddress) {
        this.domainId = domainId;
        this.level = level;
        this.iova = iova;
        this.size = size;
        this.leafSize = leafSize;
        this.address = address;
        this.prot = prot;
        this.pteAddress = pteAddress;
    }

    boolean covers(long addr) {
        return Long.compareUnsigned(addr - iova, size) < 0;
    }

    /** True when [iova, last] overlaps this entry. */
    boolean overlaps(long first, long last) {
        return Long.compareUnsigned(first, iova + size - 1) <= 0 && Long.compareUnsigned(last, iova) >= 0;
    }
}
