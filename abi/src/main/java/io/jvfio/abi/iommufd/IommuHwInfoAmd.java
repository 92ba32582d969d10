package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hw_info_amd}: what IOMMU_GET_HW_INFO reports for an AMD IOMMU
 * (IOMMU_HW_INFO_TYPE_AMD): the extended feature registers.
 *
 * <pre>
 * 0  u64    efr
 * 8  u64    efr2
 * (16 bytes)
 * </pre>
 */
public final class IommuHwInfoAmd {
    public static final StructDef DEF =
            StructDef.builder("iommu_hw_info_amd").u64("efr").u64("efr2").build();

    public static final Field.U64 EFR = DEF.u64("efr");
    public static final Field.U64 EFR2 = DEF.u64("efr2");

    private IommuHwInfoAmd() {}
}
