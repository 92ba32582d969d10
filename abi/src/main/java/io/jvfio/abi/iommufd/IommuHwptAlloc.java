package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_alloc}: the argument of IOMMU_HWPT_ALLOC: create a hardware page table
 * for device {@code dev_id} on {@code pt_id} (an IOAS for a paging HWPT, a parent HWPT or vIOMMU
 * for a nested one, the latter described by {@code data_type}/{@code data_len}/{@code data_uptr});
 * {@code fault_id} is read only with FAULT_ID_VALID.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_HWPT_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    flags
 *  8  u32    dev_id
 * 12  u32    pt_id
 * 16  u32    out_hwpt_id
 * 20  u32    __reserved
 * 24  u32    data_type
 * 28  u32    data_len
 * 32  u64    data_uptr
 * 40  u32    fault_id
 * 44  u32    __reserved2
 * (48 bytes; the kernel requires size &ge; 24, the end of __reserved)
 * </pre>
 */
public final class IommuHwptAlloc {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_alloc")
            .u32("size")
            .u32("flags")
            .u32("dev_id")
            .u32("pt_id")
            .u32("out_hwpt_id")
            .u32("__reserved")
            .u32("data_type")
            .u32("data_len")
            .u64("data_uptr")
            .u32("fault_id")
            .u32("__reserved2")
            .minSizeThrough("__reserved")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 DEV_ID = DEF.u32("dev_id");
    public static final Field.U32 PT_ID = DEF.u32("pt_id");
    public static final Field.U32 OUT_HWPT_ID = DEF.u32("out_hwpt_id");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.U32 DATA_TYPE = DEF.u32("data_type");
    public static final Field.U32 DATA_LEN = DEF.u32("data_len");
    public static final Field.U64 DATA_UPTR = DEF.u64("data_uptr");
    public static final Field.U32 FAULT_ID = DEF.u32("fault_id");
    public static final Field.U32 RESERVED2 = DEF.u32("__reserved2");

    /** {@code enum iommufd_hwpt_alloc_flags}. */
    public static final int ALLOC_NEST_PARENT = 1 << 0;

    public static final int ALLOC_DIRTY_TRACKING = 1 << 1;
    public static final int FAULT_ID_VALID = 1 << 2;
    public static final int ALLOC_PASID = 1 << 3;

    /** {@code enum iommu_hwpt_data_type}. */
    public static final int DATA_NONE = 0;

    public static final int DATA_VTD_S1 = 1;
    public static final int DATA_ARM_SMMUV3 = 2;
    public static final int DATA_AMD_GUEST = 3;

    private IommuHwptAlloc() {}
}
