package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_bind_iommufd}: the argument of VFIO_DEVICE_BIND_IOMMUFD: bind a device
 * cdev fd to the iommufd {@code iommufd}; the iommufd device ID comes back in {@code out_devid}.
 * With FLAG_TOKEN a VF token UUID is read from {@code token_uuid_ptr}.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_BIND_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    iommufd
 * 12  u32    out_devid
 * 16  u64    token_uuid_ptr
 * (24 bytes; the kernel requires argsz &ge; 16, the end of out_devid)
 * </pre>
 */
public final class VfioDeviceBindIommufd {
    public static final StructDef DEF = StructDef.builder("vfio_device_bind_iommufd")
            .u32("argsz")
            .u32("flags")
            .u32("iommufd")
            .u32("out_devid")
            .u64("token_uuid_ptr")
            .minSizeThrough("out_devid")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 IOMMUFD = DEF.u32("iommufd");
    public static final Field.U32 OUT_DEVID = DEF.u32("out_devid");
    public static final Field.U64 TOKEN_UUID_PTR = DEF.u64("token_uuid_ptr");

    public static final int FLAG_TOKEN = 1 << 0;

    private VfioDeviceBindIommufd() {}
}
