package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_iova_range}: one inclusive IOVA range {@code [start, last]}, the element of
 * the arrays that IOMMU_IOAS_IOVA_RANGES fills and IOMMU_IOAS_ALLOW_IOVAS reads.
 *
 * <pre>
 * 0  u64    start
 * 8  u64    last
 * (16 bytes)
 * </pre>
 */
public final class IommuIovaRange {
    public static final StructDef DEF =
            StructDef.builder("iommu_iova_range").u64("start").u64("last").build();

    public static final Field.U64 START = DEF.u64("start");
    public static final Field.U64 LAST = DEF.u64("last");

    private IommuIovaRange() {}
}
