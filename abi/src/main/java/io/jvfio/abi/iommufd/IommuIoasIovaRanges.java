package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_ioas_iova_ranges}: the argument of IOMMU_IOAS_IOVA_RANGES: report the IOVA
 * ranges an IOAS can map into the user array at {@code allowed_iovas} (room for {@code num_iovas};
 * the kernel writes back the real count, EMSGSIZE if it did not fit) and the required alignment.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    ioas_id
 *  8  u32    num_iovas
 * 12  u32    __reserved
 * 16  u64    allowed_iovas
 * 24  u64    out_iova_alignment
 * (32 bytes; the kernel requires size &ge; 32, the end of out_iova_alignment)
 * </pre>
 */
public final class IommuIoasIovaRanges {
    public static final StructDef DEF = StructDef.builder("iommu_ioas_iova_ranges")
            .u32("size")
            .u32("ioas_id")
            .u32("num_iovas")
            .u32("__reserved")
            .u64("allowed_iovas")
            .u64("out_iova_alignment")
            .minSizeThrough("out_iova_alignment")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 IOAS_ID = DEF.u32("ioas_id");
    public static final Field.U32 NUM_IOVAS = DEF.u32("num_iovas");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.U64 ALLOWED_IOVAS = DEF.u64("allowed_iovas");
    public static final Field.U64 OUT_IOVA_ALIGNMENT = DEF.u64("out_iova_alignment");

    private IommuIoasIovaRanges() {}
}
