package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_detach_iommufd_pt}: the argument of VFIO_DEVICE_DETACH_IOMMUFD_PT:
 * detach the bound device (or, with DETACH_PASID, one PASID) from its IOAS/HWPT.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_} prefix.
 *
 * <pre>
 * 0  u32    argsz
 * 4  u32    flags
 * 8  u32    pasid
 * (12 bytes; the kernel requires argsz &ge; 8, the end of flags)
 * </pre>
 */
public final class VfioDeviceDetachIommufdPt {
    public static final StructDef DEF = StructDef.builder("vfio_device_detach_iommufd_pt")
            .u32("argsz")
            .u32("flags")
            .u32("pasid")
            .minSizeThrough("flags")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 PASID = DEF.u32("pasid");

    public static final int DETACH_PASID = 1 << 0;

    private VfioDeviceDetachIommufdPt() {}
}
