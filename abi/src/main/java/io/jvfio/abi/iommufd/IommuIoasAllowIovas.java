package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_ioas_allow_iovas}: the argument of IOMMU_IOAS_ALLOW_IOVAS: restrict
 * automatic IOVA allocation in an IOAS to the {@code num_iovas} ranges at {@code allowed_iovas}
 * (zero ranges lifts the restriction).
 *
 * <pre>
 *  0  u32    size
 *  4  u32    ioas_id
 *  8  u32    num_iovas
 * 12  u32    __reserved
 * 16  u64    allowed_iovas
 * (24 bytes; the kernel requires size &ge; 24, the end of allowed_iovas)
 * </pre>
 */
public final class IommuIoasAllowIovas {
    public static final StructDef DEF = StructDef.builder("iommu_ioas_allow_iovas")
            .u32("size")
            .u32("ioas_id")
            .u32("num_iovas")
            .u32("__reserved")
            .u64("allowed_iovas")
            .minSizeThrough("allowed_iovas")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 IOAS_ID = DEF.u32("ioas_id");
    public static final Field.U32 NUM_IOVAS = DEF.u32("num_iovas");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.U64 ALLOWED_IOVAS = DEF.u64("allowed_iovas");

    private IommuIoasAllowIovas() {}
}
