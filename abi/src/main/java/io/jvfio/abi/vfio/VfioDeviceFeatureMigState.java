package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_feature_mig_state}: the data of device feature
 * FEATURE_MIG_DEVICE_STATE: the migration state to enter (SET) or the current one (GET); a
 * transition that moves data returns its fd in {@code data_fd}.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_} prefix.
 *
 * <pre>
 * 0  u32    device_state
 * 4  u32    data_fd
 * (8 bytes)
 * </pre>
 */
public final class VfioDeviceFeatureMigState {
    public static final StructDef DEF = StructDef.builder("vfio_device_feature_mig_state")
            .u32("device_state")
            .u32("data_fd")
            .build();

    public static final Field.U32 DEVICE_STATE = DEF.u32("device_state");
    public static final Field.U32 DATA_FD = DEF.u32("data_fd");

    /** {@code enum vfio_device_mig_state}. */
    public static final int STATE_ERROR = 0;

    public static final int STATE_STOP = 1;
    public static final int STATE_RUNNING = 2;
    public static final int STATE_STOP_COPY = 3;
    public static final int STATE_RESUMING = 4;
    public static final int STATE_RUNNING_P2P = 5;
    public static final int STATE_PRE_COPY = 6;
    public static final int STATE_PRE_COPY_P2P = 7;
    public static final int STATE_NR = 8;

    private VfioDeviceFeatureMigState() {}
}
