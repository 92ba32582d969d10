package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_spapr_tce_remove}: the argument of VFIO_IOMMU_SPAPR_TCE_REMOVE (POWER
 * only): remove the DMA window at {@code start_addr}.
 *
 * <pre>
 * 0  u32    argsz
 * 4  u32    flags
 * 8  u64    start_addr
 * (16 bytes; the kernel requires argsz &ge; 16, the end of start_addr)
 * </pre>
 */
public final class VfioIommuSpaprTceRemove {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_spapr_tce_remove")
            .u32("argsz")
            .u32("flags")
            .u64("start_addr")
            .minSizeThrough("start_addr")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U64 START_ADDR = DEF.u64("start_addr");

    private VfioIommuSpaprTceRemove() {}
}
