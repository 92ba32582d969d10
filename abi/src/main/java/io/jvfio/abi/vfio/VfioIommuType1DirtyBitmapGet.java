package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_type1_dirty_bitmap_get}: the range and user bitmap that
 * VFIO_IOMMU_DIRTY_PAGES with FLAG_GET_BITMAP fills.
 *
 * <pre>
 *  0  u64    iova
 *  8  u64    size
 * 16  struct vfio_bitmap bitmap
 * (40 bytes)
 * </pre>
 */
public final class VfioIommuType1DirtyBitmapGet {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_type1_dirty_bitmap_get")
            .u64("iova")
            .u64("size")
            .struct("bitmap", VfioBitmap.DEF)
            .build();

    public static final Field.U64 IOVA = DEF.u64("iova");
    public static final Field.U64 SIZE = DEF.u64("size");
    public static final Field.Nested BITMAP = DEF.nested("bitmap");

    private VfioIommuType1DirtyBitmapGet() {}
}
