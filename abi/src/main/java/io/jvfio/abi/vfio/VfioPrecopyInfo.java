package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_precopy_info}: the argument of VFIO_MIG_GET_PRECOPY_INFO on a migration data
 * fd: how many initial and dirty bytes remain to be read in a PRE_COPY state.
 *
 * <p>The constants are the header's, named without their {@code VFIO_PRECOPY_INFO_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u64    initial_bytes
 * 16  u64    dirty_bytes
 * (24 bytes; the kernel requires argsz &ge; 24, the end of dirty_bytes)
 * </pre>
 */
public final class VfioPrecopyInfo {
    public static final StructDef DEF = StructDef.builder("vfio_precopy_info")
            .u32("argsz")
            .u32("flags")
            .u64("initial_bytes")
            .u64("dirty_bytes")
            .minSizeThrough("dirty_bytes")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U64 INITIAL_BYTES = DEF.u64("initial_bytes");
    public static final Field.U64 DIRTY_BYTES = DEF.u64("dirty_bytes");

    public static final int REINIT = 1 << 0;

    private VfioPrecopyInfo() {}
}
