package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_get_dirty_bitmap}: the argument of IOMMU_HWPT_GET_DIRTY_BITMAP: write
 * into the user bitmap at {@code data} one bit per {@code page_size} page of {@code [iova, iova +
 * length)} that was written by DMA (and clear the dirty state unless NO_CLEAR).
 *
 * <p>The constants are the header's, named without their {@code IOMMU_HWPT_GET_DIRTY_BITMAP_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    hwpt_id
 *  8  u32    flags
 * 12  u32    __reserved
 * 16  u64    iova
 * 24  u64    length
 * 32  u64    page_size
 * 40  u64    data
 * (48 bytes; the kernel requires size &ge; 48, the end of data)
 * </pre>
 */
public final class IommuHwptGetDirtyBitmap {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_get_dirty_bitmap")
            .u32("size")
            .u32("hwpt_id")
            .u32("flags")
            .u32("__reserved")
            .u64("iova")
            .u64("length")
            .u64("page_size")
            .u64("data")
            .minSizeThrough("data")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 HWPT_ID = DEF.u32("hwpt_id");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.U64 IOVA = DEF.u64("iova");
    public static final Field.U64 LENGTH = DEF.u64("length");
    public static final Field.U64 PAGE_SIZE = DEF.u64("page_size");
    public static final Field.U64 DATA = DEF.u64("data");

    /** {@code enum iommufd_hwpt_get_dirty_bitmap_flags}. */
    public static final int NO_CLEAR = 1;

    private IommuHwptGetDirtyBitmap() {}
}
