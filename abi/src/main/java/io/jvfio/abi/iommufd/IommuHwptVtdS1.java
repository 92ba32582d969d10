package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_vtd_s1}: the Intel VT-d stage-1 page table a nested HWPT is made of
 * (IOMMU_HWPT_DATA_VTD_S1 data of IOMMU_HWPT_ALLOC).
 *
 * <p>The constants are the header's, named without their {@code IOMMU_VTD_S1_} prefix.
 *
 * <pre>
 *  0  u64    flags
 *  8  u64    pgtbl_addr
 * 16  u32    addr_width
 * 20  u32    __reserved
 * (24 bytes)
 * </pre>
 */
public final class IommuHwptVtdS1 {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_vtd_s1")
            .u64("flags")
            .u64("pgtbl_addr")
            .u32("addr_width")
            .u32("__reserved")
            .build();

    public static final Field.U64 FLAGS = DEF.u64("flags");
    public static final Field.U64 PGTBL_ADDR = DEF.u64("pgtbl_addr");
    public static final Field.U32 ADDR_WIDTH = DEF.u32("addr_width");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");

    /** {@code enum iommu_hwpt_vtd_s1_flags}. */
    public static final int SRE = 1 << 0;

    public static final int EAFE = 1 << 1;
    public static final int WPE = 1 << 2;

    private IommuHwptVtdS1() {}
}
