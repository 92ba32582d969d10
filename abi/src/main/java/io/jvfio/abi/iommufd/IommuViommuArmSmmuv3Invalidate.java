package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_viommu_arm_smmuv3_invalidate}: one ARM SMMUv3 invalidation command (two
 * little-endian words), the entry of IOMMU_HWPT_INVALIDATE on a vIOMMU with
 * IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3.
 *
 * <pre>
 * 0  u64    cmd[2]
 * (16 bytes)
 * </pre>
 */
public final class IommuViommuArmSmmuv3Invalidate {
    public static final StructDef DEF = StructDef.builder("iommu_viommu_arm_smmuv3_invalidate")
            .u64Array("cmd", 2)
            .build();

    public static final Field.Bytes CMD = DEF.array("cmd");

    private IommuViommuArmSmmuv3Invalidate() {}
}
