package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_arm_smmuv3}: the ARM SMMUv3 guest stream table entry a nested HWPT is
 * made of (IOMMU_HWPT_DATA_ARM_SMMUV3 data of IOMMU_HWPT_ALLOC); little-endian words.
 *
 * <pre>
 * 0  u64    ste[2]
 * (16 bytes)
 * </pre>
 */
public final class IommuHwptArmSmmuv3 {
    public static final StructDef DEF =
            StructDef.builder("iommu_hwpt_arm_smmuv3").u64Array("ste", 2).build();

    public static final Field.Bytes STE = DEF.array("ste");

    private IommuHwptArmSmmuv3() {}
}
