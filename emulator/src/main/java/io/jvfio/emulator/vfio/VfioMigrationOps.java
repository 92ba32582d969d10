package io.jvfio.emulator.vfio;

import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.OpenFile;

/**
 * What a driver implements for a device that migrates ({@code struct vfio_migration_ops}); set
 * on the device with {@link VfioDevice#setMigrationOps} before it is registered. The core answers
 * VFIO_DEVICE_FEATURE_MIGRATION from the device's flags and hands MIG_DEVICE_STATE and
 * MIG_DATA_SIZE here. States are {@code enum vfio_device_mig_state} values
 * (VfioDeviceFeatureMigState.STATE_*). Fail by throwing {@link ErrnoException}.
 */
public interface VfioMigrationOps {
    /**
     * {@code migration_set_state}: move the device to {@code newState}, stepping through the arcs
     * {@link MigrationFsm#nextState} gives. Returns the data fd's file with a reference for the
     * caller when the final arc starts a data transfer session, else null. The driver must end
     * the session (end of stream or error) when the device leaves its data transfer states and
     * before its close_device returns.
     */
    OpenFile migrationSetState(VfioDevice device, int newState);

    /** {@code migration_get_state}. */
    int migrationGetState(VfioDevice device);

    /** {@code migration_get_data_size}: the estimated STOP_COPY length in bytes. */
    long migrationGetDataSize(VfioDevice device);
}
