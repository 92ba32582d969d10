package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hw_info_arm_smmuv3}: what IOMMU_GET_HW_INFO reports for an ARM SMMUv3
 * (IOMMU_HW_INFO_TYPE_ARM_SMMUV3): its ID registers.
 *
 * <pre>
 *  0  u32    flags
 *  4  u32    __reserved
 *  8  u32    idr[6]
 * 32  u32    iidr
 * 36  u32    aidr
 * (40 bytes)
 * </pre>
 */
public final class IommuHwInfoArmSmmuv3 {
    public static final StructDef DEF = StructDef.builder("iommu_hw_info_arm_smmuv3")
            .u32("flags")
            .u32("__reserved")
            .u32Array("idr", 6)
            .u32("iidr")
            .u32("aidr")
            .build();

    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.Bytes IDR = DEF.array("idr");
    public static final Field.U32 IIDR = DEF.u32("iidr");
    public static final Field.U32 AIDR = DEF.u32("aidr");

    private IommuHwInfoArmSmmuv3() {}
}
