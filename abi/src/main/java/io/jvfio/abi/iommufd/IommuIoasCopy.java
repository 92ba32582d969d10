package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_ioas_copy}: the argument of IOMMU_IOAS_COPY: map into {@code dst_ioas_id}
 * the same pages that are mapped at {@code src_iova} in {@code src_ioas_id}. The flags are {@link
 * IommuIoasMap}'s.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    flags
 *  8  u32    dst_ioas_id
 * 12  u32    src_ioas_id
 * 16  u64    length
 * 24  u64    dst_iova
 * 32  u64    src_iova
 * (40 bytes; the kernel requires size &ge; 40, the end of src_iova)
 * </pre>
 */
public final class IommuIoasCopy {
    public static final StructDef DEF = StructDef.builder("iommu_ioas_copy")
            .u32("size")
            .u32("flags")
            .u32("dst_ioas_id")
            .u32("src_ioas_id")
            .u64("length")
            .u64("dst_iova")
            .u64("src_iova")
            .minSizeThrough("src_iova")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 DST_IOAS_ID = DEF.u32("dst_ioas_id");
    public static final Field.U32 SRC_IOAS_ID = DEF.u32("src_ioas_id");
    public static final Field.U64 LENGTH = DEF.u64("length");
    public static final Field.U64 DST_IOVA = DEF.u64("dst_iova");
    public static final Field.U64 SRC_IOVA = DEF.u64("src_iova");

    private IommuIoasCopy() {}
}
