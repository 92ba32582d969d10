package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_region_info_cap_sparse_mmap}: region info capability CAP_SPARSE_MMAP: the
 * {@code nr_areas} parts of a region that may be mmap()ed, for regions that are only partly
 * mappable.
 *
 * <pre>
 *  0  struct vfio_info_cap_header header
 *  8  u32    nr_areas
 * 12  u32    reserved
 * 16  struct vfio_region_sparse_mmap_area areas[]
 * (16 bytes)
 * </pre>
 */
public final class VfioRegionInfoCapSparseMmap {
    public static final StructDef DEF = StructDef.builder("vfio_region_info_cap_sparse_mmap")
            .struct("header", VfioInfoCapHeader.DEF)
            .u32("nr_areas")
            .u32("reserved")
            .structArray("areas", VfioRegionSparseMmapArea.DEF, 0)
            .build();

    public static final Field.Nested HEADER = DEF.nested("header");
    public static final Field.U32 NR_AREAS = DEF.u32("nr_areas");
    public static final Field.U32 RESERVED = DEF.u32("reserved");
    public static final Field.Nested AREAS = DEF.nested("areas");

    private VfioRegionInfoCapSparseMmap() {}
}
