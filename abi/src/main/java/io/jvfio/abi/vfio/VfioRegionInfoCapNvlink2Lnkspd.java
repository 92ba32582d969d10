package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_region_info_cap_nvlink2_lnkspd}: region info capability CAP_NVLINK2_LNKSPD:
 * the NVLink2 link speed (POWER9 only).
 *
 * <pre>
 *  0  struct vfio_info_cap_header header
 *  8  u32    link_speed
 * 12  u32    __pad
 * (16 bytes)
 * </pre>
 */
public final class VfioRegionInfoCapNvlink2Lnkspd {
    public static final StructDef DEF = StructDef.builder("vfio_region_info_cap_nvlink2_lnkspd")
            .struct("header", VfioInfoCapHeader.DEF)
            .u32("link_speed")
            .u32("__pad")
            .build();

    public static final Field.Nested HEADER = DEF.nested("header");
    public static final Field.U32 LINK_SPEED = DEF.u32("link_speed");
    public static final Field.U32 PAD = DEF.u32("__pad");

    private VfioRegionInfoCapNvlink2Lnkspd() {}
}
