package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_spapr_tce_info}: the argument of VFIO_IOMMU_SPAPR_TCE_GET_INFO (POWER
 * only): the default 32-bit DMA window and, when {@code argsz} covers it, the dynamic window info.
 *
 * <p>The constants are the header's, named without their {@code VFIO_IOMMU_SPAPR_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    dma32_window_start
 * 12  u32    dma32_window_size
 * 16  struct vfio_iommu_spapr_tce_ddw_info ddw
 * (32 bytes; the kernel requires argsz &ge; 16, the end of dma32_window_size)
 * </pre>
 */
public final class VfioIommuSpaprTceInfo {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_spapr_tce_info")
            .u32("argsz")
            .u32("flags")
            .u32("dma32_window_start")
            .u32("dma32_window_size")
            .struct("ddw", VfioIommuSpaprTceDdwInfo.DEF)
            .minSizeThrough("dma32_window_size")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 DMA32_WINDOW_START = DEF.u32("dma32_window_start");
    public static final Field.U32 DMA32_WINDOW_SIZE = DEF.u32("dma32_window_size");
    public static final Field.Nested DDW = DEF.nested("ddw");

    public static final int INFO_DDW = 1 << 0;

    private VfioIommuSpaprTceInfo() {}
}
