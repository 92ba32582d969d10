package io.jvfio.abi.selftest;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_selftest}: the IOMMU_HWPT_DATA_SELFTEST data of IOMMU_HWPT_ALLOC: a
 * nested mock HWPT with its IOTLB entries preset to {@code iotlb}.
 *
 * <pre>
 * 0  u32    iotlb
 * 4  u32    pagetable_type
 * (8 bytes)
 * </pre>
 */
public final class IommuHwptSelftest {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_selftest")
            .u32("iotlb")
            .u32("pagetable_type")
            .build();

    public static final Field.U32 IOTLB = DEF.u32("iotlb");
    public static final Field.U32 PAGETABLE_TYPE = DEF.u32("pagetable_type");

    private IommuHwptSelftest() {}
}
