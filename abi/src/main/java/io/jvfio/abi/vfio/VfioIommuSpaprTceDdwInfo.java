package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_spapr_tce_ddw_info}: the dynamic DMA window limits reported by
 * VFIO_IOMMU_SPAPR_TCE_GET_INFO (POWER only).
 *
 * <pre>
 *  0  u64    pgsizes
 *  8  u32    max_dynamic_windows_supported
 * 12  u32    levels
 * (16 bytes)
 * </pre>
 */
public final class VfioIommuSpaprTceDdwInfo {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_spapr_tce_ddw_info")
            .u64("pgsizes")
            .u32("max_dynamic_windows_supported")
            .u32("levels")
            .build();

    public static final Field.U64 PGSIZES = DEF.u64("pgsizes");
    public static final Field.U32 MAX_DYNAMIC_WINDOWS_SUPPORTED = DEF.u32("max_dynamic_windows_supported");
    public static final Field.U32 LEVELS = DEF.u32("levels");

    private VfioIommuSpaprTceDdwInfo() {}
}
