package io.jvfio.abi.selftest;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_test_hw_info}: what IOMMU_GET_HW_INFO reports for the mock IOMMU
 * (IOMMU_HW_INFO_TYPE_SELFTEST).
 *
 * <pre>
 * 0  u32    flags
 * 4  u32    test_reg
 * (8 bytes)
 * </pre>
 */
public final class IommuTestHwInfo {
    public static final StructDef DEF =
            StructDef.builder("iommu_test_hw_info").u32("flags").u32("test_reg").build();

    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 TEST_REG = DEF.u32("test_reg");

    private IommuTestHwInfo() {}
}
