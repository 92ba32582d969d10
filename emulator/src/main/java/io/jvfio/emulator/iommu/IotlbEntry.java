package io.jvfio.emulator.iommu;

/**
 * One cached translation: a whole leaf (for a contiguous run, the whole run) of one domain. What
 * {@link IoPageTable#lookup} finds and the {@link Iotlb} keeps.
 */
final class IotlbEntry {
    final int domainId;
    final int level;
    final long iova;
    final long size;
    final long address;
    final int prot;
    /** The leaf's (first) entry in the table, where a write sets the dirty bit. */
    final long pteAddress;
    /**
     * The leaf is known to be dirty, so a write need not set the bit again (as hardware caches the
     * D state with the translation). Benignly racy: two writers may both set the bit.
     */
    boolean dirty;

    IotlbEntry(int domainId, int level, long iova, long size, long address, int prot, long pteAddress, boolean dirty) {
        this.domainId = domainId;
        this.level = level;
        this.iova = iova;
        this.size = size;
        this.address = address;
        this.prot = prot;
        this.pteAddress = pteAddress;
        this.dirty = dirty;
    }

    boolean covers(long addr) {
        return Long.compareUnsigned(addr - iova, size) < 0;
    }

    /** True when [iova, last] overlaps this entry. */
    boolean overlaps(long first, long last) {
        return Long.compareUnsigned(first, iova + size - 1) <= 0 && Long.compareUnsigned(last, iova) >= 0;
    }
}
