package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_vfio_ioas}: the argument of IOMMU_VFIO_IOAS: get, set or clear ({@code op})
 * the IOAS that the VFIO container compatibility ioctls on this iommufd work on.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_VFIO_IOAS_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    ioas_id
 *  8  u16    op
 * 10  u16    __reserved
 * (12 bytes; the kernel requires size &ge; 12, the end of __reserved)
 * </pre>
 */
public final class IommuVfioIoas {
    public static final StructDef DEF = StructDef.builder("iommu_vfio_ioas")
            .u32("size")
            .u32("ioas_id")
            .u16("op")
            .u16("__reserved")
            .minSizeThrough("__reserved")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 IOAS_ID = DEF.u32("ioas_id");
    public static final Field.U16 OP = DEF.u16("op");
    public static final Field.U16 RESERVED = DEF.u16("__reserved");

    /** {@code enum iommufd_vfio_ioas_op}. */
    public static final int GET = 0;

    public static final int SET = 1;
    public static final int CLEAR = 2;

    private IommuVfioIoas() {}
}
