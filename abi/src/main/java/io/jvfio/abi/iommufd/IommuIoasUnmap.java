package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_ioas_unmap}: the argument of IOMMU_IOAS_UNMAP: unmap every mapping inside
 * {@code [iova, iova + length)} of an IOAS ({@code iova} 0 with {@code length} U64_MAX unmaps
 * all); the unmapped byte count comes back in {@code length}.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    ioas_id
 *  8  u64    iova
 * 16  u64    length
 * (24 bytes; the kernel requires size &ge; 24, the end of length)
 * </pre>
 */
public final class IommuIoasUnmap {
    public static final StructDef DEF = StructDef.builder("iommu_ioas_unmap")
            .u32("size")
            .u32("ioas_id")
            .u64("iova")
            .u64("length")
            .minSizeThrough("length")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 IOAS_ID = DEF.u32("ioas_id");
    public static final Field.U64 IOVA = DEF.u64("iova");
    public static final Field.U64 LENGTH = DEF.u64("length");

    private IommuIoasUnmap() {}
}
