package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_spapr_tce_create}: the argument of VFIO_IOMMU_SPAPR_TCE_CREATE (POWER
 * only): create a DMA window; its bus address comes back in {@code start_addr}.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    page_shift
 * 12  u32    __resv1
 * 16  u64    window_size
 * 24  u32    levels
 * 28  u32    __resv2
 * 32  u64    start_addr
 * (40 bytes; the kernel requires argsz &ge; 40, the end of start_addr)
 * </pre>
 */
public final class VfioIommuSpaprTceCreate {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_spapr_tce_create")
            .u32("argsz")
            .u32("flags")
            .u32("page_shift")
            .u32("__resv1")
            .u64("window_size")
            .u32("levels")
            .u32("__resv2")
            .u64("start_addr")
            .minSizeThrough("start_addr")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 PAGE_SHIFT = DEF.u32("page_shift");
    public static final Field.U32 RESV1 = DEF.u32("__resv1");
    public static final Field.U64 WINDOW_SIZE = DEF.u64("window_size");
    public static final Field.U32 LEVELS = DEF.u32("levels");
    public static final Field.U32 RESV2 = DEF.u32("__resv2");
    public static final Field.U64 START_ADDR = DEF.u64("start_addr");

    private VfioIommuSpaprTceCreate() {}
}
