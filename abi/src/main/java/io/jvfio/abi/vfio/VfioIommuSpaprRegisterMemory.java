package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_spapr_register_memory}: the argument of
 * VFIO_IOMMU_SPAPR_REGISTER_MEMORY / UNREGISTER_MEMORY (POWER only): pre-register process memory
 * for DMA.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u64    vaddr
 * 16  u64    size
 * (24 bytes; the kernel requires argsz &ge; 24, the end of size)
 * </pre>
 */
public final class VfioIommuSpaprRegisterMemory {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_spapr_register_memory")
            .u32("argsz")
            .u32("flags")
            .u64("vaddr")
            .u64("size")
            .minSizeThrough("size")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U64 VADDR = DEF.u64("vaddr");
    public static final Field.U64 SIZE = DEF.u64("size");

    private VfioIommuSpaprRegisterMemory() {}
}
