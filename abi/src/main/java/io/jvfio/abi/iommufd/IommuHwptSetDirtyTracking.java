package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_set_dirty_tracking}: the argument of IOMMU_HWPT_SET_DIRTY_TRACKING:
 * start or stop dirty tracking on a paging HWPT allocated with DIRTY_TRACKING.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_HWPT_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    flags
 *  8  u32    hwpt_id
 * 12  u32    __reserved
 * (16 bytes; the kernel requires size &ge; 16, the end of __reserved)
 * </pre>
 */
public final class IommuHwptSetDirtyTracking {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_set_dirty_tracking")
            .u32("size")
            .u32("flags")
            .u32("hwpt_id")
            .u32("__reserved")
            .minSizeThrough("__reserved")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 HWPT_ID = DEF.u32("hwpt_id");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");

    /** {@code enum iommufd_hwpt_set_dirty_tracking_flags}. */
    public static final int DIRTY_TRACKING_ENABLE = 1;

    private IommuHwptSetDirtyTracking() {}
}
