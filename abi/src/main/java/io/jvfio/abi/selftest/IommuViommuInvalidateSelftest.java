package io.jvfio.abi.selftest;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_viommu_invalidate_selftest}: one IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST entry
 * of IOMMU_HWPT_INVALIDATE on a mock vIOMMU: clear cache entry {@code cache_id} of vDEVICE {@code
 * vdev_id}, or all with IOMMU_TEST_INVALIDATE_FLAG_ALL.
 *
 * <pre>
 * 0  u32    flags
 * 4  u32    vdev_id
 * 8  u32    cache_id
 * (12 bytes)
 * </pre>
 */
public final class IommuViommuInvalidateSelftest {
    public static final StructDef DEF = StructDef.builder("iommu_viommu_invalidate_selftest")
            .u32("flags")
            .u32("vdev_id")
            .u32("cache_id")
            .build();

    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 VDEV_ID = DEF.u32("vdev_id");
    public static final Field.U32 CACHE_ID = DEF.u32("cache_id");

    private IommuViommuInvalidateSelftest() {}
}
