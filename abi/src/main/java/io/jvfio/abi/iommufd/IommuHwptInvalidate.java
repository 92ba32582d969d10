package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_invalidate}: the argument of IOMMU_HWPT_INVALIDATE: hand {@code
 * entry_num} driver-specific invalidation requests of {@code entry_len} bytes each, at {@code
 * data_uptr}, to a nested HWPT or vIOMMU; the number handled comes back in {@code entry_num}.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    hwpt_id
 *  8  u64    data_uptr
 * 16  u32    data_type
 * 20  u32    entry_len
 * 24  u32    entry_num
 * 28  u32    __reserved
 * (32 bytes; the kernel requires size &ge; 32, the end of __reserved)
 * </pre>
 */
public final class IommuHwptInvalidate {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_invalidate")
            .u32("size")
            .u32("hwpt_id")
            .u64("data_uptr")
            .u32("data_type")
            .u32("entry_len")
            .u32("entry_num")
            .u32("__reserved")
            .minSizeThrough("__reserved")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 HWPT_ID = DEF.u32("hwpt_id");
    public static final Field.U64 DATA_UPTR = DEF.u64("data_uptr");
    public static final Field.U32 DATA_TYPE = DEF.u32("data_type");
    public static final Field.U32 ENTRY_LEN = DEF.u32("entry_len");
    public static final Field.U32 ENTRY_NUM = DEF.u32("entry_num");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");

    /** {@code enum iommu_hwpt_invalidate_data_type}. */
    public static final int HWPT_INVALIDATE_DATA_VTD_S1 = 0;

    public static final int VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1;

    private IommuHwptInvalidate() {}
}
