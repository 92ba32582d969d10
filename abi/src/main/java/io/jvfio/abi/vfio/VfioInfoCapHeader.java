package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_info_cap_header}: the header of every capability in a VFIO info chain: its
 * {@code id}, {@code version}, and the offset of the next one from the start of the info struct (0
 * ends the chain).
 *
 * <pre>
 * 0  u16    id
 * 2  u16    version
 * 4  u32    next
 * (8 bytes)
 * </pre>
 */
public final class VfioInfoCapHeader {
    public static final StructDef DEF = StructDef.builder("vfio_info_cap_header")
            .u16("id")
            .u16("version")
            .u32("next")
            .build();

    public static final Field.U16 ID = DEF.u16("id");
    public static final Field.U16 VERSION = DEF.u16("version");
    public static final Field.U32 NEXT = DEF.u32("next");

    private VfioInfoCapHeader() {}
}
