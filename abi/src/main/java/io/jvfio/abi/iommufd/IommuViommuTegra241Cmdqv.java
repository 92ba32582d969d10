package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_viommu_tegra241_cmdqv}: the driver data of IOMMU_VIOMMU_ALLOC for
 * IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV: where to mmap the VINTF page.
 *
 * <pre>
 * 0  u64    out_vintf_mmap_offset
 * 8  u64    out_vintf_mmap_length
 * (16 bytes)
 * </pre>
 */
public final class IommuViommuTegra241Cmdqv {
    public static final StructDef DEF = StructDef.builder("iommu_viommu_tegra241_cmdqv")
            .u64("out_vintf_mmap_offset")
            .u64("out_vintf_mmap_length")
            .build();

    public static final Field.U64 OUT_VINTF_MMAP_OFFSET = DEF.u64("out_vintf_mmap_offset");
    public static final Field.U64 OUT_VINTF_MMAP_LENGTH = DEF.u64("out_vintf_mmap_length");

    private IommuViommuTegra241Cmdqv() {}
}
