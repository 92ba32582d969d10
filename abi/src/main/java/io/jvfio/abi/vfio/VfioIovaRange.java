package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iova_range}: one inclusive usable IOVA range, the element of
 * INFO_CAP_IOVA_RANGE.
 *
 * <pre>
 * 0  u64    start
 * 8  u64    end
 * (16 bytes)
 * </pre>
 */
public final class VfioIovaRange {
    public static final StructDef DEF =
            StructDef.builder("vfio_iova_range").u64("start").u64("end").build();

    public static final Field.U64 START = DEF.u64("start");
    public static final Field.U64 END = DEF.u64("end");

    private VfioIovaRange() {}
}
