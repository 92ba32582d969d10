package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_type1_dma_map}: the argument of VFIO_IOMMU_MAP_DMA: map {@code size}
 * bytes of process memory at {@code vaddr} to {@code iova}, readable and/or writable by the device
 * (FLAG_VADDR only updates the vaddr of an existing mapping).
 *
 * <p>The constants are the header's, named without their {@code VFIO_DMA_MAP_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u64    vaddr
 * 16  u64    iova
 * 24  u64    size
 * (32 bytes; the kernel requires argsz &ge; 32, the end of size)
 * </pre>
 */
public final class VfioIommuType1DmaMap {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_type1_dma_map")
            .u32("argsz")
            .u32("flags")
            .u64("vaddr")
            .u64("iova")
            .u64("size")
            .minSizeThrough("size")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U64 VADDR = DEF.u64("vaddr");
    public static final Field.U64 IOVA = DEF.u64("iova");
    public static final Field.U64 SIZE = DEF.u64("size");

    public static final int FLAG_READ = 1 << 0;
    public static final int FLAG_WRITE = 1 << 1;
    public static final int FLAG_VADDR = 1 << 2;

    private VfioIommuType1DmaMap() {}
}
