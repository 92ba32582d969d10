package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_irq_set}: the argument of VFIO_DEVICE_SET_IRQS: apply an action (mask,
 * unmask, trigger) to {@code count} interrupts of {@code index} from {@code start}, with no data,
 * a bool per interrupt or an eventfd per interrupt in {@code data}.
 *
 * <p>The constants are the header's, named without their {@code VFIO_IRQ_SET_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    index
 * 12  u32    start
 * 16  u32    count
 * 20  u8     data[]
 * (20 bytes; the kernel requires argsz &ge; 20, the end of count)
 * </pre>
 */
public final class VfioIrqSet {
    public static final StructDef DEF = StructDef.builder("vfio_irq_set")
            .u32("argsz")
            .u32("flags")
            .u32("index")
            .u32("start")
            .u32("count")
            .u8Array("data", 0)
            .minSizeThrough("count")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 INDEX = DEF.u32("index");
    public static final Field.U32 START = DEF.u32("start");
    public static final Field.U32 COUNT = DEF.u32("count");
    public static final Field.Bytes DATA = DEF.array("data");

    public static final int DATA_NONE = 1 << 0;
    public static final int DATA_BOOL = 1 << 1;
    public static final int DATA_EVENTFD = 1 << 2;
    public static final int ACTION_MASK = 1 << 3;
    public static final int ACTION_UNMASK = 1 << 4;
    public static final int ACTION_TRIGGER = 1 << 5;
    public static final int DATA_TYPE_MASK = 7;
    public static final int ACTION_TYPE_MASK = 0x38;

    private VfioIrqSet() {}
}
