package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hw_info_vtd}: what IOMMU_GET_HW_INFO reports for an Intel VT-d IOMMU
 * (IOMMU_HW_INFO_TYPE_INTEL_VTD).
 *
 * <p>The constants are the header's, named without their {@code IOMMU_HW_INFO_VTD_} prefix.
 *
 * <pre>
 *  0  u32    flags
 *  4  u32    __reserved
 *  8  u64    cap_reg
 * 16  u64    ecap_reg
 * (24 bytes)
 * </pre>
 */
public final class IommuHwInfoVtd {
    public static final StructDef DEF = StructDef.builder("iommu_hw_info_vtd")
            .u32("flags")
            .u32("__reserved")
            .u64("cap_reg")
            .u64("ecap_reg")
            .build();

    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.U64 CAP_REG = DEF.u64("cap_reg");
    public static final Field.U64 ECAP_REG = DEF.u64("ecap_reg");

    /** {@code enum iommu_hw_info_vtd_flags}. */
    public static final int ERRATA_772415_SPR17 = 1 << 0;

    private IommuHwInfoVtd() {}
}
