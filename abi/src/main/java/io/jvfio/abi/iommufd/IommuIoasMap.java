package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_ioas_map}, the argument of IOMMU_IOAS_MAP: map {@code length} bytes of user
 * memory at {@code user_va} into IOAS {@code ioas_id}, at {@code iova} (FIXED_IOVA) or at an IOVA
 * the kernel picks and writes back.
 *
 * <pre>
 *  0 u32 size        4 u32 flags       8 u32 ioas_id    12 u32 __reserved
 * 16 u64 user_va    24 u64 length     32 u64 iova       (40 bytes, all mandatory)
 * </pre>
 */
public final class IommuIoasMap {
    public static final StructDef DEF = StructDef.builder("iommu_ioas_map")
            .u32("size")
            .u32("flags")
            .u32("ioas_id")
            .u32("__reserved")
            .u64("user_va")
            .u64("length")
            .u64("iova")
            .minSizeThrough("iova")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 IOAS_ID = DEF.u32("ioas_id");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.U64 USER_VA = DEF.u64("user_va");
    public static final Field.U64 LENGTH = DEF.u64("length");
    public static final Field.U64 IOVA = DEF.u64("iova");

    /** enum iommufd_ioas_map_flags. */
    public static final int FLAG_FIXED_IOVA = 1 << 0;

    public static final int FLAG_WRITEABLE = 1 << 1;
    public static final int FLAG_READABLE = 1 << 2;

    private IommuIoasMap() {}
}
