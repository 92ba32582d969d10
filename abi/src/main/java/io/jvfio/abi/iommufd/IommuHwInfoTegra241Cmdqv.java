package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hw_info_tegra241_cmdqv}: what IOMMU_GET_HW_INFO reports for an NVIDIA
 * Tegra241 CMDQV extension (IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV).
 *
 * <pre>
 * 0  u32    flags
 * 4  u8     version
 * 5  u8     log2vcmdqs
 * 6  u8     log2vsids
 * 7  u8     __reserved
 * (8 bytes)
 * </pre>
 */
public final class IommuHwInfoTegra241Cmdqv {
    public static final StructDef DEF = StructDef.builder("iommu_hw_info_tegra241_cmdqv")
            .u32("flags")
            .u8("version")
            .u8("log2vcmdqs")
            .u8("log2vsids")
            .u8("__reserved")
            .build();

    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U8 VERSION = DEF.u8("version");
    public static final Field.U8 LOG2VCMDQS = DEF.u8("log2vcmdqs");
    public static final Field.U8 LOG2VSIDS = DEF.u8("log2vsids");
    public static final Field.U8 RESERVED = DEF.u8("__reserved");

    private IommuHwInfoTegra241Cmdqv() {}
}
