package io.jvfio.abi.selftest;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_invalidate_selftest}: one IOMMU_HWPT_INVALIDATE_DATA_SELFTEST entry of
 * IOMMU_HWPT_INVALIDATE: clear mock IOTLB entry {@code iotlb_id}, or all of them with
 * IOMMU_TEST_INVALIDATE_FLAG_ALL.
 *
 * <pre>
 * 0  u32    flags
 * 4  u32    iotlb_id
 * (8 bytes)
 * </pre>
 */
public final class IommuHwptInvalidateSelftest {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_invalidate_selftest")
            .u32("flags")
            .u32("iotlb_id")
            .build();

    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 IOTLB_ID = DEF.u32("iotlb_id");

    private IommuHwptInvalidateSelftest() {}
}
