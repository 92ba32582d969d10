package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_region_info}: the argument of VFIO_DEVICE_GET_REGION_INFO: the size, access
 * flags and device-fd offset of region {@code index}, with an optional capability chain at {@code
 * cap_offset}.
 *
 * <p>The constants are the header's, named without their {@code VFIO_REGION_INFO_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    index
 * 12  u32    cap_offset
 * 16  u64    size
 * 24  u64    offset
 * (32 bytes; the kernel requires argsz &ge; 32, the end of offset)
 * </pre>
 */
public final class VfioRegionInfo {
    public static final StructDef DEF = StructDef.builder("vfio_region_info")
            .u32("argsz")
            .u32("flags")
            .u32("index")
            .u32("cap_offset")
            .u64("size")
            .u64("offset")
            .minSizeThrough("offset")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 INDEX = DEF.u32("index");
    public static final Field.U32 CAP_OFFSET = DEF.u32("cap_offset");
    public static final Field.U64 SIZE = DEF.u64("size");
    public static final Field.U64 OFFSET = DEF.u64("offset");

    public static final int FLAG_READ = 1 << 0;
    public static final int FLAG_WRITE = 1 << 1;
    public static final int FLAG_MMAP = 1 << 2;
    public static final int FLAG_CAPS = 1 << 3;
    public static final int CAP_SPARSE_MMAP = 1;
    public static final int CAP_TYPE = 2;
    public static final int CAP_MSIX_MAPPABLE = 3;
    public static final int CAP_NVLINK2_SSATGT = 4;
    public static final int CAP_NVLINK2_LNKSPD = 5;

    private VfioRegionInfo() {}
}
