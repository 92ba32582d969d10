package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_region_info_cap_nvlink2_ssatgt}: region info capability CAP_NVLINK2_SSATGT:
 * the NVLink2 target address of a GPU memory region (POWER9 only).
 *
 * <pre>
 * 0  struct vfio_info_cap_header header
 * 8  u64    tgt
 * (16 bytes)
 * </pre>
 */
public final class VfioRegionInfoCapNvlink2Ssatgt {
    public static final StructDef DEF = StructDef.builder("vfio_region_info_cap_nvlink2_ssatgt")
            .struct("header", VfioInfoCapHeader.DEF)
            .u64("tgt")
            .build();

    public static final Field.Nested HEADER = DEF.nested("header");
    public static final Field.U64 TGT = DEF.u64("tgt");

    private VfioRegionInfoCapNvlink2Ssatgt() {}
}
