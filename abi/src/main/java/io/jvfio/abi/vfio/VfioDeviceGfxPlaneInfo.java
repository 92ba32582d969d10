package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_gfx_plane_info}: the argument of VFIO_DEVICE_QUERY_GFX_PLANE: describe
 * a display plane of a mediated GPU and where it can be read (region index or dma-buf ID).
 *
 * <p>The constants are the header's, named without their {@code VFIO_GFX_PLANE_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    drm_plane_type
 * 12  u32    drm_format
 * 16  u64    drm_format_mod
 * 24  u32    width
 * 28  u32    height
 * 32  u32    stride
 * 36  u32    size
 * 40  u32    x_pos
 * 44  u32    y_pos
 * 48  u32    x_hot
 * 52  u32    y_hot
 * 56  u32    region_index
 * 56  u32    dmabuf_id
 * 60  u32    reserved
 * (64 bytes; the kernel requires argsz &ge; 60, the end of dmabuf_id)
 * </pre>
 */
public final class VfioDeviceGfxPlaneInfo {
    public static final StructDef DEF = StructDef.builder("vfio_device_gfx_plane_info")
            .u32("argsz")
            .u32("flags")
            .u32("drm_plane_type")
            .u32("drm_format")
            .u64("drm_format_mod")
            .u32("width")
            .u32("height")
            .u32("stride")
            .u32("size")
            .u32("x_pos")
            .u32("y_pos")
            .u32("x_hot")
            .u32("y_hot")
            .anonymous(StructDef.anonymousUnion()
                    .u32("region_index")
                    .u32("dmabuf_id")
                    .build())
            .u32("reserved")
            .minSizeThrough("dmabuf_id")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 DRM_PLANE_TYPE = DEF.u32("drm_plane_type");
    public static final Field.U32 DRM_FORMAT = DEF.u32("drm_format");
    public static final Field.U64 DRM_FORMAT_MOD = DEF.u64("drm_format_mod");
    public static final Field.U32 WIDTH = DEF.u32("width");
    public static final Field.U32 HEIGHT = DEF.u32("height");
    public static final Field.U32 STRIDE = DEF.u32("stride");
    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 X_POS = DEF.u32("x_pos");
    public static final Field.U32 Y_POS = DEF.u32("y_pos");
    public static final Field.U32 X_HOT = DEF.u32("x_hot");
    public static final Field.U32 Y_HOT = DEF.u32("y_hot");
    public static final Field.U32 REGION_INDEX = DEF.u32("region_index");
    public static final Field.U32 DMABUF_ID = DEF.u32("dmabuf_id");
    public static final Field.U32 RESERVED = DEF.u32("reserved");

    public static final int TYPE_PROBE = 1 << 0;
    public static final int TYPE_DMABUF = 1 << 1;
    public static final int TYPE_REGION = 1 << 2;

    private VfioDeviceGfxPlaneInfo() {}
}
