package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_ioas_map_file}: the argument of IOMMU_IOAS_MAP_FILE: like IOMMU_IOAS_MAP,
 * but the memory is {@code length} bytes of the memfd (or dma-buf) {@code fd} from offset {@code
 * start}. The flags are {@link IommuIoasMap}'s.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    flags
 *  8  u32    ioas_id
 * 12  u32    fd
 * 16  u64    start
 * 24  u64    length
 * 32  u64    iova
 * (40 bytes; the kernel requires size &ge; 40, the end of iova)
 * </pre>
 */
public final class IommuIoasMapFile {
    public static final StructDef DEF = StructDef.builder("iommu_ioas_map_file")
            .u32("size")
            .u32("flags")
            .u32("ioas_id")
            .u32("fd")
            .u64("start")
            .u64("length")
            .u64("iova")
            .minSizeThrough("iova")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 IOAS_ID = DEF.u32("ioas_id");
    public static final Field.U32 FD = DEF.u32("fd");
    public static final Field.U64 START = DEF.u64("start");
    public static final Field.U64 LENGTH = DEF.u64("length");
    public static final Field.U64 IOVA = DEF.u64("iova");

    private IommuIoasMapFile() {}
}
