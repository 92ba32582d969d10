package io.jvfio.devices.mtty;

import static io.jvfio.abi.vfio.VfioDeviceFeatureMigState.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.vfio.IovaBitmap;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.VfioLogOps;
import io.jvfio.emulator.vfio.migration.SteppedMigration;
import java.util.List;

/**
 * mtty's migration ({@code mtty_migration_ops}, {@code mtty_log_ops}): STOP_COPY, P2P and
 * PRE_COPY, where PRE_COPY streams the header of {@code struct mtty_data} and STOP_COPY adds the
 * ports. mtty does no DMA, so the P2P arcs do nothing and the DMA log is always empty. The device
 * keeps working (MMIO, interrupts) in every state, as the sample does.
 */
final class MttyMigration extends SteppedMigration implements VfioLogOps {
    static final int FLAGS = VfioDeviceFeatureMigration.MIGRATION_STOP_COPY
            | VfioDeviceFeatureMigration.MIGRATION_P2P
            | VfioDeviceFeatureMigration.MIGRATION_PRE_COPY;

    private final MttyDevice mtty;
    private VfioDevice vdev;
    private MttyMigrationFile savingMigf;
    private MttyMigrationFile resumingMigf;

    MttyMigration(MttyDevice mtty) {
        this.mtty = mtty;
    }

    /** mtty_init_dev: the device's migration flags and both op tables. */
    void install(VfioDevice device) {
        this.vdev = device;
        device.setMigrationOps(this, FLAGS);
        device.setLogOps(this);
    }

    VfioDevice vfioDevice() {
        return vdev;
    }

    int nrPorts() {
        return mtty.nrPorts();
    }

    /** mtty_data_size. */
    int dataSize() {
        return MttyMigrationFile.HEADER_SIZE + mtty.nrPorts() * MttyDevice.PORT_STATE_SIZE;
    }

    int currentState() {
        return state();
    }

    void precopyLocked(Runnable body) {
        locked(() -> {
            body.run();
            return null;
        });
    }

    @Override
    public long migrationGetDataSize(VfioDevice device) {
        return dataSize();
    }

    /** mtty's deferred reset: RUNNING with its files disabled. */
    @Override
    protected void resetToRunning() {
        disableFiles();
    }

    /** mtty_disable_files: the driver's references go; each file reads ENODEV from now on. */
    private void disableFiles() {
        if (savingMigf != null) {
            savingMigf.disable();
            savingMigf.put();
            savingMigf = null;
        }
        if (resumingMigf != null) {
            resumingMigf.disable();
            resumingMigf.put();
            resumingMigf = null;
        }
    }

    /** mtty_close's first part: the sessions end; the state stays what it was. */
    void close() {
        precopyLocked(this::disableFiles);
    }

    /** mtty_step_state. */
    @Override
    protected OpenFile step(int cur, int next) {
        if ((cur == STATE_RUNNING && next == STATE_RUNNING_P2P)
                || (cur == STATE_RUNNING_P2P && (next == STATE_RUNNING || next == STATE_STOP))
                || (cur == STATE_PRE_COPY && next == STATE_PRE_COPY_P2P)
                || (cur == STATE_PRE_COPY_P2P && next == STATE_PRE_COPY)
                || (cur == STATE_STOP && next == STATE_RUNNING_P2P)) {
            return null; // no DMA, nothing to start or stop
        }
        if (cur == STATE_RESUMING && next == STATE_STOP) {
            if (resumingMigf == null) {
                // Closed in RESUMING and opened again: the state stayed, the file went. 7.2's
                // mtty_load_state dereferences the missing file (an oops that kills the caller);
                // answered as a load without data (docs/differences.md).
                throw new ErrnoException(Errno.EINVAL);
            }
            mtty.loadPorts(resumingMigf.ports(dataSize()));
            disableFiles();
            return null;
        }
        if ((cur == STATE_PRE_COPY && next == STATE_RUNNING)
                || (cur == STATE_PRE_COPY_P2P && next == STATE_RUNNING_P2P)
                || (cur == STATE_STOP_COPY && next == STATE_STOP)) {
            disableFiles();
            return null;
        }
        if ((cur == STATE_RUNNING && next == STATE_PRE_COPY)
                || (cur == STATE_RUNNING_P2P && next == STATE_PRE_COPY_P2P)
                || (cur == STATE_STOP && next == STATE_STOP_COPY)
                || (cur == STATE_PRE_COPY_P2P && next == STATE_STOP_COPY)) {
            return saveDeviceData(next);
        }
        if (cur == STATE_STOP && next == STATE_RESUMING) {
            resumingMigf = MttyMigrationFile.forResuming(this);
            return resumingMigf.get();
        }
        throw new ErrnoException(Errno.EINVAL); // no other arc comes from the state machine
    }

    /** mtty_save_device_data: a new session (the header) unless one is open; STOP_COPY adds the ports. */
    private OpenFile saveDeviceData(int next) {
        OpenFile ret = null;
        if (savingMigf == null) {
            savingMigf = MttyMigrationFile.forSaving(this, mtty.nrPorts());
            ret = savingMigf.get();
        }
        if (next == STATE_STOP_COPY) {
            savingMigf.fill(mtty.savePorts());
        }
        return ret;
    }

    /** mtty_log_start: accepts anything (mtty never writes memory). */
    @Override
    public long logStart(VfioDevice device, List<Range> ranges, long pageSize) {
        return pageSize;
    }

    @Override
    public void logStop(VfioDevice device) {}

    @Override
    public void logReadAndClear(VfioDevice device, long iova, long length, IovaBitmap dirty) {}
}
