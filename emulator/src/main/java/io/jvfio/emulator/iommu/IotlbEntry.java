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
    /** The leaf's (first) entry in its table: where a write sets the dirty bit. */
    final long pteAddress;

    IotlbEntry(int domainId, int level, long iova, long size, long address, int prot, long pteAddress) {
        this.domainId = domainId;
        this.level = level;
        this.iova = iova;
        this.size = size;
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
