package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_ioeventfd}: the argument of VFIO_DEVICE_IOEVENTFD: make a signal on
 * eventfd {@code fd} write {@code data} (of the given width) at {@code offset} of the device fd;
 * fd -1 removes it.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u64    offset
 * 16  u64    data
 * 24  u32    fd
 * 28  u32    reserved
 * (32 bytes; the kernel requires argsz &ge; 28, the end of fd)
 * </pre>
 */
public final class VfioDeviceIoeventfd {
    public static final StructDef DEF = StructDef.builder("vfio_device_ioeventfd")
            .u32("argsz")
            .u32("flags")
            .u64("offset")
            .u64("data")
            .u32("fd")
            .u32("reserved")
            .minSizeThrough("fd")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U64 OFFSET = DEF.u64("offset");
    public static final Field.U64 DATA = DEF.u64("data");
    public static final Field.U32 FD = DEF.u32("fd");
    public static final Field.U32 RESERVED = DEF.u32("reserved");

    public static final int IOEVENTFD_8 = 1 << 0;
    public static final int IOEVENTFD_16 = 1 << 1;
    public static final int IOEVENTFD_32 = 1 << 2;
    public static final int IOEVENTFD_64 = 1 << 3;
    public static final int IOEVENTFD_SIZE_MASK = 0xf;

    private VfioDeviceIoeventfd() {}
}
