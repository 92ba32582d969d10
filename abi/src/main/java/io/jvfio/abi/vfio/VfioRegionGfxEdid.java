package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_region_gfx_edid}: the register layout of a GFX EDID region
 * (SUBTYPE_GFX_EDID): where the EDID blob lives and the virtual display link state.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_GFX_} prefix.
 *
 * <pre>
 *  0  u32    edid_offset
 *  4  u32    edid_max_size
 *  8  u32    edid_size
 * 12  u32    max_xres
 * 16  u32    max_yres
 * 20  u32    link_state
 * (24 bytes)
 * </pre>
 */
public final class VfioRegionGfxEdid {
    public static final StructDef DEF = StructDef.builder("vfio_region_gfx_edid")
            .u32("edid_offset")
            .u32("edid_max_size")
            .u32("edid_size")
            .u32("max_xres")
            .u32("max_yres")
            .u32("link_state")
            .build();

    public static final Field.U32 EDID_OFFSET = DEF.u32("edid_offset");
    public static final Field.U32 EDID_MAX_SIZE = DEF.u32("edid_max_size");
    public static final Field.U32 EDID_SIZE = DEF.u32("edid_size");
    public static final Field.U32 MAX_XRES = DEF.u32("max_xres");
    public static final Field.U32 MAX_YRES = DEF.u32("max_yres");
    public static final Field.U32 LINK_STATE = DEF.u32("link_state");

    public static final int LINK_STATE_UP = 1;
    public static final int LINK_STATE_DOWN = 2;

    private VfioRegionGfxEdid() {}
}
