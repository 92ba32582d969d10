package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_irq_info}: the argument of VFIO_DEVICE_GET_IRQ_INFO: how many interrupts IRQ
 * index {@code index} has and how they can be signalled and masked.
 *
 * <p>The constants are the header's, named without their {@code VFIO_IRQ_INFO_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    index
 * 12  u32    count
 * (16 bytes; the kernel requires argsz &ge; 16, the end of count)
 * </pre>
 */
public final class VfioIrqInfo {
    public static final StructDef DEF = StructDef.builder("vfio_irq_info")
            .u32("argsz")
            .u32("flags")
            .u32("index")
            .u32("count")
            .minSizeThrough("count")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 INDEX = DEF.u32("index");
    public static final Field.U32 COUNT = DEF.u32("count");

    public static final int EVENTFD = 1 << 0;
    public static final int MASKABLE = 1 << 1;
    public static final int AUTOMASKED = 1 << 2;
    public static final int NORESIZE = 1 << 3;

    private VfioIrqInfo() {}
}
