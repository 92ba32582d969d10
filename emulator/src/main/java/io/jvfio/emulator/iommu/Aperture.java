package io.jvfio.emulator.iommu;

/** The IOVA range a domain can translate, both ends inclusive (the kernel's aperture_start/end). */
public record Aperture(long start, long last) {
    /** True when every byte of [iova, iova+length) is inside; length must be positive. */
    public boolean contains(long iova, long length) {
        long end = iova + length - 1;
        return Long.compareUnsigned(iova, start) >= 0
                && Long.compareUnsigned(end, last) <= 0
                && Long.compareUnsigned(end, iova) >= 0;
    }
}
