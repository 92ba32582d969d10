package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_region_sparse_mmap_area}: one mmap-able area of a region (offset and size
 * within the region), the element of CAP_SPARSE_MMAP.
 *
 * <pre>
 * 0  u64    offset
 * 8  u64    size
 * (16 bytes)
 * </pre>
 */
public final class VfioRegionSparseMmapArea {
    public static final StructDef DEF = StructDef.builder("vfio_region_sparse_mmap_area")
            .u64("offset")
            .u64("size")
            .build();

    public static final Field.U64 OFFSET = DEF.u64("offset");
    public static final Field.U64 SIZE = DEF.u64("size");

    private VfioRegionSparseMmapArea() {}
}
