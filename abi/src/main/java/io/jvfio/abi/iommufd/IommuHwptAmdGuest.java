package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_amd_guest}: the AMD guest device table entry a nested HWPT is made of
 * (IOMMU_HWPT_DATA_AMD_GUEST data of IOMMU_HWPT_ALLOC).
 *
 * <pre>
 * 0  u64    dte[4]
 * (32 bytes)
 * </pre>
 */
public final class IommuHwptAmdGuest {
    public static final StructDef DEF =
            StructDef.builder("iommu_hwpt_amd_guest").u64Array("dte", 4).build();

    public static final Field.Bytes DTE = DEF.array("dte");

    private IommuHwptAmdGuest() {}
}
