package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_bitmap}: a user dirty bitmap: one bit per {@code pgsize} page, {@code size}
 * bytes at the pointer {@code data} (a user address, 8 bytes on x86-64).
 *
 * <pre>
 *  0  u64    pgsize
 *  8  u64    size
 * 16  u64    data
 * (24 bytes)
 * </pre>
 */
public final class VfioBitmap {
    public static final StructDef DEF = StructDef.builder("vfio_bitmap")
            .u64("pgsize")
            .u64("size")
            .u64("data")
            .build();

    public static final Field.U64 PGSIZE = DEF.u64("pgsize");
    public static final Field.U64 SIZE = DEF.u64("size");
    public static final Field.U64 DATA = DEF.u64("data");

    private VfioBitmap() {}
}
