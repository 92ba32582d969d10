package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_region_info_cap_type}: region info capability CAP_TYPE: the type and subtype
 * of a device-specific region (index past the fixed ones).
 *
 * <p>The constants are the header's, named without their {@code VFIO_REGION_} prefix.
 *
 * <pre>
 *  0  struct vfio_info_cap_header header
 *  8  u32    type
 * 12  u32    subtype
 * (16 bytes)
 * </pre>
 */
public final class VfioRegionInfoCapType {
    public static final StructDef DEF = StructDef.builder("vfio_region_info_cap_type")
            .struct("header", VfioInfoCapHeader.DEF)
            .u32("type")
            .u32("subtype")
            .build();

    public static final Field.Nested HEADER = DEF.nested("header");
    public static final Field.U32 TYPE = DEF.u32("type");
    public static final Field.U32 SUBTYPE = DEF.u32("subtype");

    public static final int TYPE_PCI_VENDOR_TYPE = 1 << 31;
    public static final int TYPE_PCI_VENDOR_MASK = 0xffff;
    public static final int TYPE_GFX = 1;
    public static final int TYPE_CCW = 2;
    public static final int TYPE_MIGRATION_DEPRECATED = 3;
    public static final int SUBTYPE_INTEL_IGD_OPREGION = 1;
    public static final int SUBTYPE_INTEL_IGD_HOST_CFG = 2;
    public static final int SUBTYPE_INTEL_IGD_LPC_CFG = 3;
    public static final int SUBTYPE_NVIDIA_NVLINK2_RAM = 1;
    public static final int SUBTYPE_IBM_NVLINK2_ATSD = 1;
    public static final int SUBTYPE_GFX_EDID = 1;
    public static final int SUBTYPE_CCW_ASYNC_CMD = 1;
    public static final int SUBTYPE_CCW_SCHIB = 2;
    public static final int SUBTYPE_CCW_CRW = 3;
    public static final int SUBTYPE_MIGRATION_DEPRECATED = 1;

    private VfioRegionInfoCapType() {}
}
