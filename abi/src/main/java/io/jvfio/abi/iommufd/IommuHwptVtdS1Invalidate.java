package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_vtd_s1_invalidate}: one Intel VT-d stage-1 cache invalidation request,
 * the entry of IOMMU_HWPT_INVALIDATE with IOMMU_HWPT_INVALIDATE_DATA_VTD_S1.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_VTD_INV_} prefix.
 *
 * <pre>
 *  0  u64    addr
 *  8  u64    npages
 * 16  u32    flags
 * 20  u32    __reserved
 * (24 bytes)
 * </pre>
 */
public final class IommuHwptVtdS1Invalidate {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_vtd_s1_invalidate")
            .u64("addr")
            .u64("npages")
            .u32("flags")
            .u32("__reserved")
            .build();

    public static final Field.U64 ADDR = DEF.u64("addr");
    public static final Field.U64 NPAGES = DEF.u64("npages");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");

    /** {@code enum iommu_hwpt_vtd_s1_invalidate_flags}. */
    public static final int FLAGS_LEAF = 1 << 0;

    private IommuHwptVtdS1Invalidate() {}
}
