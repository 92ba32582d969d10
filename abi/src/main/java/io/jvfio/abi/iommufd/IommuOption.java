package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_option}: the argument of IOMMU_OPTION: get or set ({@code op}) the option
 * {@code option_id} of the iommufd ({@code object_id} 0) or of one object, as {@code val64}.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_OPTION_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    option_id
 *  8  u16    op
 * 10  u16    __reserved
 * 12  u32    object_id
 * 16  u64    val64
 * (24 bytes; the kernel requires size &ge; 24, the end of val64)
 * </pre>
 */
public final class IommuOption {
    public static final StructDef DEF = StructDef.builder("iommu_option")
            .u32("size")
            .u32("option_id")
            .u16("op")
            .u16("__reserved")
            .u32("object_id")
            .u64("val64")
            .minSizeThrough("val64")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 OPTION_ID = DEF.u32("option_id");
    public static final Field.U16 OP = DEF.u16("op");
    public static final Field.U16 RESERVED = DEF.u16("__reserved");
    public static final Field.U32 OBJECT_ID = DEF.u32("object_id");
    public static final Field.U64 VAL64 = DEF.u64("val64");

    /** {@code enum iommufd_option}. */
    public static final int RLIMIT_MODE = 0;

    public static final int HUGE_PAGES = 1;

    /** {@code enum iommufd_option_ops}. */
    public static final int OP_SET = 0;

    public static final int OP_GET = 1;

    private IommuOption() {}
}
