package io.jvfio.abi.selftest;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_viommu_selftest}: the driver data of IOMMU_VIOMMU_ALLOC for
 * IOMMU_VIOMMU_TYPE_SELFTEST: {@code in_data} is echoed to {@code out_data}, and the page the mock
 * vIOMMU exports for mmap() is described.
 *
 * <pre>
 *  0  u32    in_data
 *  4  u32    out_data
 *  8  u64    out_mmap_offset
 * 16  u64    out_mmap_length
 * (24 bytes)
 * </pre>
 */
public final class IommuViommuSelftest {
    public static final StructDef DEF = StructDef.builder("iommu_viommu_selftest")
            .u32("in_data")
            .u32("out_data")
            .u64("out_mmap_offset")
            .u64("out_mmap_length")
            .build();

    public static final Field.U32 IN_DATA = DEF.u32("in_data");
    public static final Field.U32 OUT_DATA = DEF.u32("out_data");
    public static final Field.U64 OUT_MMAP_OFFSET = DEF.u64("out_mmap_offset");
    public static final Field.U64 OUT_MMAP_LENGTH = DEF.u64("out_mmap_length");

    private IommuViommuSelftest() {}
}
