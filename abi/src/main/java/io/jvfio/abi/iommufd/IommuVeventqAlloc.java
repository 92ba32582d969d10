package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_veventq_alloc}: the argument of IOMMU_VEVENTQ_ALLOC: create a virtual event
 * queue of {@code type} on a vIOMMU holding at most {@code veventq_depth} events, and an fd to
 * read them.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_VEVENTQ_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    flags
 *  8  u32    viommu_id
 * 12  u32    type
 * 16  u32    veventq_depth
 * 20  u32    out_veventq_id
 * 24  u32    out_veventq_fd
 * 28  u32    __reserved
 * (32 bytes; the kernel requires size &ge; 28, the end of out_veventq_fd)
 * </pre>
 */
public final class IommuVeventqAlloc {
    public static final StructDef DEF = StructDef.builder("iommu_veventq_alloc")
            .u32("size")
            .u32("flags")
            .u32("viommu_id")
            .u32("type")
            .u32("veventq_depth")
            .u32("out_veventq_id")
            .u32("out_veventq_fd")
            .u32("__reserved")
            .minSizeThrough("out_veventq_fd")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 VIOMMU_ID = DEF.u32("viommu_id");
    public static final Field.U32 TYPE = DEF.u32("type");
    public static final Field.U32 VEVENTQ_DEPTH = DEF.u32("veventq_depth");
    public static final Field.U32 OUT_VEVENTQ_ID = DEF.u32("out_veventq_id");
    public static final Field.U32 OUT_VEVENTQ_FD = DEF.u32("out_veventq_fd");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");

    /** {@code enum iommu_veventq_type}. */
    public static final int TYPE_DEFAULT = 0;

    public static final int TYPE_ARM_SMMUV3 = 1;
    public static final int TYPE_TEGRA241_CMDQV = 2;

    private IommuVeventqAlloc() {}
}
