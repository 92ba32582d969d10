package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_viommu_alloc}: the argument of IOMMU_VIOMMU_ALLOC: create a virtual IOMMU of
 * {@code type} for device {@code dev_id} on the nesting parent HWPT {@code hwpt_id}, with optional
 * driver data ({@code data_len} bytes at {@code data_uptr}).
 *
 * <p>The constants are the header's, named without their {@code IOMMU_VIOMMU_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    flags
 *  8  u32    type
 * 12  u32    dev_id
 * 16  u32    hwpt_id
 * 20  u32    out_viommu_id
 * 24  u32    data_len
 * 28  u32    __reserved
 * 32  u64    data_uptr
 * (40 bytes; the kernel requires size &ge; 24, the end of out_viommu_id)
 * </pre>
 */
public final class IommuViommuAlloc {
    public static final StructDef DEF = StructDef.builder("iommu_viommu_alloc")
            .u32("size")
            .u32("flags")
            .u32("type")
            .u32("dev_id")
            .u32("hwpt_id")
            .u32("out_viommu_id")
            .u32("data_len")
            .u32("__reserved")
            .u64("data_uptr")
            .minSizeThrough("out_viommu_id")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 TYPE = DEF.u32("type");
    public static final Field.U32 DEV_ID = DEF.u32("dev_id");
    public static final Field.U32 HWPT_ID = DEF.u32("hwpt_id");
    public static final Field.U32 OUT_VIOMMU_ID = DEF.u32("out_viommu_id");
    public static final Field.U32 DATA_LEN = DEF.u32("data_len");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.U64 DATA_UPTR = DEF.u64("data_uptr");

    /** {@code enum iommu_viommu_type}. */
    public static final int TYPE_DEFAULT = 0;

    public static final int TYPE_ARM_SMMUV3 = 1;
    public static final int TYPE_TEGRA241_CMDQV = 2;

    private IommuViommuAlloc() {}
}
