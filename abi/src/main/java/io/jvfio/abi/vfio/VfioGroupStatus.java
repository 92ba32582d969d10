package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_group_status}: the argument of VFIO_GROUP_GET_STATUS: whether the group is
 * viable (all its devices bound to VFIO or unused) and has a container.
 *
 * <p>The constants are the header's, named without their {@code VFIO_GROUP_} prefix.
 *
 * <pre>
 * 0  u32    argsz
 * 4  u32    flags
 * (8 bytes; the kernel requires argsz &ge; 8, the end of flags)
 * </pre>
 */
public final class VfioGroupStatus {
    public static final StructDef DEF = StructDef.builder("vfio_group_status")
            .u32("argsz")
            .u32("flags")
            .minSizeThrough("flags")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");

    public static final int FLAGS_VIABLE = 1 << 0;
    public static final int FLAGS_CONTAINER_SET = 1 << 1;

    private VfioGroupStatus() {}
}
