package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hw_queue_alloc}: the argument of IOMMU_HW_QUEUE_ALLOC: give a vIOMMU a
 * hardware-accelerated queue of {@code type} at guest physical address {@code
 * nesting_parent_iova}.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_HW_QUEUE_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    flags
 *  8  u32    viommu_id
 * 12  u32    type
 * 16  u32    index
 * 20  u32    out_hw_queue_id
 * 24  u64    nesting_parent_iova
 * 32  u64    length
 * (40 bytes; the kernel requires size &ge; 40, the end of length)
 * </pre>
 */
public final class IommuHwQueueAlloc {
    public static final StructDef DEF = StructDef.builder("iommu_hw_queue_alloc")
            .u32("size")
            .u32("flags")
            .u32("viommu_id")
            .u32("type")
            .u32("index")
            .u32("out_hw_queue_id")
            .u64("nesting_parent_iova")
            .u64("length")
            .minSizeThrough("length")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 VIOMMU_ID = DEF.u32("viommu_id");
    public static final Field.U32 TYPE = DEF.u32("type");
    public static final Field.U32 INDEX = DEF.u32("index");
    public static final Field.U32 OUT_HW_QUEUE_ID = DEF.u32("out_hw_queue_id");
    public static final Field.U64 NESTING_PARENT_IOVA = DEF.u64("nesting_parent_iova");
    public static final Field.U64 LENGTH = DEF.u64("length");

    /** {@code enum iommu_hw_queue_type}. */
    public static final int TYPE_DEFAULT = 0;

    public static final int TYPE_TEGRA241_CMDQV = 1;

    private IommuHwQueueAlloc() {}
}
