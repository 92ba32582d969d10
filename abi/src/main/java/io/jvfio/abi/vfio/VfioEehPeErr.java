package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_eeh_pe_err}: an EEH error to inject with VFIO_EEH_PE_INJECT_ERR (POWER only).
 *
 * <pre>
 *  0  u32    type
 *  4  u32    func
 *  8  u64    addr
 * 16  u64    mask
 * (24 bytes)
 * </pre>
 */
public final class VfioEehPeErr {
    public static final StructDef DEF = StructDef.builder("vfio_eeh_pe_err")
            .u32("type")
            .u32("func")
            .u64("addr")
            .u64("mask")
            .build();

    public static final Field.U32 TYPE = DEF.u32("type");
    public static final Field.U32 FUNC = DEF.u32("func");
    public static final Field.U64 ADDR = DEF.u64("addr");
    public static final Field.U64 MASK = DEF.u64("mask");

    private VfioEehPeErr() {}
}
