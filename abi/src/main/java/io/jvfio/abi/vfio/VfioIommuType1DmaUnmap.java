package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_type1_dma_unmap}: the argument of VFIO_IOMMU_UNMAP_DMA: unmap {@code
 * [iova, iova + size)} (or everything with FLAG_ALL); the unmapped size comes back in {@code
 * size}. With FLAG_GET_DIRTY_BITMAP a {@code vfio_bitmap} follows in {@code data}.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DMA_UNMAP_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u64    iova
 * 16  u64    size
 * 24  u8     data[]
 * (24 bytes; the kernel requires argsz &ge; 24, the end of size)
 * </pre>
 */
public final class VfioIommuType1DmaUnmap {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_type1_dma_unmap")
            .u32("argsz")
            .u32("flags")
            .u64("iova")
            .u64("size")
            .u8Array("data", 0)
            .minSizeThrough("size")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U64 IOVA = DEF.u64("iova");
    public static final Field.U64 SIZE = DEF.u64("size");
    public static final Field.Bytes DATA = DEF.array("data");

    public static final int FLAG_GET_DIRTY_BITMAP = 1 << 0;
    public static final int FLAG_ALL = 1 << 1;
    public static final int FLAG_VADDR = 1 << 2;

    private VfioIommuType1DmaUnmap() {}
}
