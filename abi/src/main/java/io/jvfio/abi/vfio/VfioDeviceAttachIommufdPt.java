package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_attach_iommufd_pt}: the argument of VFIO_DEVICE_ATTACH_IOMMUFD_PT:
 * attach the bound device (or, with ATTACH_PASID, one of its PASIDs) to the IOAS or HWPT {@code
 * pt_id}; the HWPT actually used comes back in {@code pt_id}.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    pt_id
 * 12  u32    pasid
 * (16 bytes; the kernel requires argsz &ge; 12, the end of pt_id)
 * </pre>
 */
public final class VfioDeviceAttachIommufdPt {
    public static final StructDef DEF = StructDef.builder("vfio_device_attach_iommufd_pt")
            .u32("argsz")
            .u32("flags")
            .u32("pt_id")
            .u32("pasid")
            .minSizeThrough("pt_id")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 PT_ID = DEF.u32("pt_id");
    public static final Field.U32 PASID = DEF.u32("pasid");

    public static final int ATTACH_PASID = 1 << 0;

    private VfioDeviceAttachIommufdPt() {}
}
