package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_fault_alloc}: the argument of IOMMU_FAULT_QUEUE_ALLOC: create a fault queue
 * object and an fd to read faults from and write responses to.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    flags
 *  8  u32    out_fault_id
 * 12  u32    out_fault_fd
 * (16 bytes; the kernel requires size &ge; 16, the end of out_fault_fd)
 * </pre>
 */
public final class IommuFaultAlloc {
    public static final StructDef DEF = StructDef.builder("iommu_fault_alloc")
            .u32("size")
            .u32("flags")
            .u32("out_fault_id")
            .u32("out_fault_fd")
            .minSizeThrough("out_fault_fd")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 OUT_FAULT_ID = DEF.u32("out_fault_id");
    public static final Field.U32 OUT_FAULT_FD = DEF.u32("out_fault_fd");

    private IommuFaultAlloc() {}
}
