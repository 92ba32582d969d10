package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_migration_info}: the header of the deprecated v1 migration region
 * (TYPE_MIGRATION_DEPRECATED); kept for its layout only, v2 migration uses VFIO_DEVICE_FEATURE.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_} prefix.
 *
 * <pre>
 *  0  u32    device_state
 *  4  u32    reserved
 *  8  u64    pending_bytes
 * 16  u64    data_offset
 * 24  u64    data_size
 * (32 bytes)
 * </pre>
 */
public final class VfioDeviceMigrationInfo {
    public static final StructDef DEF = StructDef.builder("vfio_device_migration_info")
            .u32("device_state")
            .u32("reserved")
            .u64("pending_bytes")
            .u64("data_offset")
            .u64("data_size")
            .build();

    public static final Field.U32 DEVICE_STATE = DEF.u32("device_state");
    public static final Field.U32 RESERVED = DEF.u32("reserved");
    public static final Field.U64 PENDING_BYTES = DEF.u64("pending_bytes");
    public static final Field.U64 DATA_OFFSET = DEF.u64("data_offset");
    public static final Field.U64 DATA_SIZE = DEF.u64("data_size");

    public static final int STATE_V1_STOP = 0;
    public static final int STATE_V1_RUNNING = 1 << 0;
    public static final int STATE_V1_SAVING = 1 << 1;
    public static final int STATE_V1_RESUMING = 1 << 2;
    public static final int STATE_MASK = 7;

    private VfioDeviceMigrationInfo() {}
}
