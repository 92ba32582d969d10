package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_vevent_arm_smmuv3}: an ARM SMMUv3 event record as reported through a vEVENTQ
 * of IOMMU_VEVENTQ_TYPE_ARM_SMMUV3.
 *
 * <pre>
 * 0  u64    evt[4]
 * (32 bytes)
 * </pre>
 */
public final class IommuVeventArmSmmuv3 {
    public static final StructDef DEF =
            StructDef.builder("iommu_vevent_arm_smmuv3").u64Array("evt", 4).build();

    public static final Field.Bytes EVT = DEF.array("evt");

    private IommuVeventArmSmmuv3() {}
}
