package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_ioas_alloc}: the argument of IOMMU_IOAS_ALLOC: create an empty I/O address
 * space; its ID comes back in {@code out_ioas_id}.
 *
 * <pre>
 * 0  u32    size
 * 4  u32    flags
 * 8  u32    out_ioas_id
 * (12 bytes; the kernel requires size &ge; 12, the end of out_ioas_id)
 * </pre>
 */
public final class IommuIoasAlloc {
    public static final StructDef DEF = StructDef.builder("iommu_ioas_alloc")
            .u32("size")
            .u32("flags")
            .u32("out_ioas_id")
            .minSizeThrough("out_ioas_id")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 OUT_IOAS_ID = DEF.u32("out_ioas_id");

    private IommuIoasAlloc() {}
}
