package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_eeh_pe_op}: the argument of VFIO_EEH_PE_OP (POWER only): one EEH operation on
 * the container's partitionable endpoint; {@code err} is read for INJECT_ERR.
 *
 * <p>The constants are the header's, named without their {@code VFIO_EEH_PE_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    op
 * 16  struct vfio_eeh_pe_err err
 * (40 bytes; the kernel requires argsz &ge; 12, the end of op)
 * </pre>
 */
public final class VfioEehPeOp {
    public static final StructDef DEF = StructDef.builder("vfio_eeh_pe_op")
            .u32("argsz")
            .u32("flags")
            .u32("op")
            .anonymous(
                    StructDef.anonymousUnion().struct("err", VfioEehPeErr.DEF).build())
            .minSizeThrough("op")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 OP = DEF.u32("op");
    public static final Field.Nested ERR = DEF.nested("err");

    public static final int DISABLE = 0;
    public static final int ENABLE = 1;
    public static final int UNFREEZE_IO = 2;
    public static final int UNFREEZE_DMA = 3;
    public static final int GET_STATE = 4;
    public static final int STATE_NORMAL = 0;
    public static final int STATE_RESET = 1;
    public static final int STATE_STOPPED = 2;
    public static final int STATE_STOPPED_DMA = 4;
    public static final int STATE_UNAVAIL = 5;
    public static final int RESET_DEACTIVATE = 5;
    public static final int RESET_HOT = 6;
    public static final int RESET_FUNDAMENTAL = 7;
    public static final int CONFIGURE = 8;
    public static final int INJECT_ERR = 9;

    private VfioEehPeOp() {}
}
