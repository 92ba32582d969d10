package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_type1_dirty_bitmap}: the argument of VFIO_IOMMU_DIRTY_PAGES: start or
 * stop dirty page tracking, or read the bitmap of a range described by the {@code
 * vfio_iommu_type1_dirty_bitmap_get} in {@code data}.
 *
 * <p>The constants are the header's, named without their {@code VFIO_IOMMU_DIRTY_PAGES_} prefix.
 *
 * <pre>
 * 0  u32    argsz
 * 4  u32    flags
 * 8  u8     data[]
 * (8 bytes; the kernel requires argsz &ge; 8, the end of flags)
 * </pre>
 */
public final class VfioIommuType1DirtyBitmap {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_type1_dirty_bitmap")
            .u32("argsz")
            .u32("flags")
            .u8Array("data", 0)
            .minSizeThrough("flags")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.Bytes DATA = DEF.array("data");

    public static final int FLAG_START = 1 << 0;
    public static final int FLAG_STOP = 1 << 1;
    public static final int FLAG_GET_BITMAP = 1 << 2;

    private VfioIommuType1DirtyBitmap() {}
}
