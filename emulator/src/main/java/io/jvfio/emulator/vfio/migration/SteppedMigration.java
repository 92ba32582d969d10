package io.jvfio.emulator.vfio.migration;

import static io.jvfio.abi.vfio.VfioDeviceFeatureMigState.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.vfio.MigrationFsm;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.VfioMigrationOps;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The migration ops every 7.2 driver writes the same way (mtty_set_state, mlx5vf_pci_set_device_state):
 * a state under a state mutex, SET stepping arc by arc along {@link MigrationFsm#nextState}, and
 * VFIO_DEVICE_RESET deferred to whoever holds the state mutex ({@code deferred_reset}). A failed
 * arc leaves the device in the last state reached. Subclasses implement the arcs.
 */
public abstract class SteppedMigration implements VfioMigrationOps {
    private final ReentrantLock stateMutex = new ReentrantLock();
    private final ReentrantLock resetMutex = new ReentrantLock();
    private boolean deferredReset;
    /** Guarded by the state mutex. */
    private int state = STATE_RUNNING;

    /**
     * One arc from {@code cur} to {@code next} (an arc {@link MigrationFsm#nextState} gives for
     * the device's flags), with the state mutex held. Returns the data fd's file with a reference
     * for the caller when the arc starts a session, else null.
     */
    protected abstract OpenFile step(int cur, int next);

    /**
     * The reset to RUNNING (VFIO_DEVICE_RESET, or a driver's open): every data fd of the device
     * ended and the device running, with the state mutex held.
     */
    protected abstract void resetToRunning();

    /** {@code *_set_state}: arcs until {@code target}; a session fd only for the final arc. */
    @Override
    public final OpenFile migrationSetState(VfioDevice device, int target) {
        stateMutex.lock();
        try {
            OpenFile file = null;
            while (state != target) {
                int next = MigrationFsm.nextState(device, state, target);
                file = step(state, next);
                state = next;
                if (file != null && next != target) {
                    file.put(); // a session fd mid-path is a driver bug (the kernel WARNs)
                    throw new ErrnoException(Errno.EINVAL);
                }
            }
            return file;
        } finally {
            stateMutexUnlock();
        }
    }

    @Override
    public final int migrationGetState(VfioDevice device) {
        stateMutex.lock();
        try {
            return state;
        } finally {
            stateMutexUnlock();
        }
    }

    /** The current state, for a data fd's checks; call with the state mutex held ({@link #locked}). */
    protected final int state() {
        return state;
    }

    /** Runs {@code body} with the state mutex held (a data fd's PRECOPY_INFO). */
    protected final <T> T locked(Supplier<T> body) {
        stateMutex.lock();
        try {
            return body.get();
        } finally {
            stateMutexUnlock();
        }
    }

    /**
     * VFIO_DEVICE_RESET's migration part ({@code mtty_reset}): RUNNING, files ended; done now or by
     * the thread holding the state mutex when it lets go.
     */
    public final void reset() {
        resetMutex.lock();
        try {
            deferredReset = true;
            if (!stateMutex.tryLock()) {
                return;
            }
        } finally {
            resetMutex.unlock();
        }
        stateMutexUnlock();
    }

    /** {@code *_state_mutex_unlock}: a reset asked for meanwhile is done before the mutex goes. */
    private void stateMutexUnlock() {
        while (true) {
            resetMutex.lock();
            if (deferredReset) {
                deferredReset = false;
                resetMutex.unlock();
                state = STATE_RUNNING;
                resetToRunning();
                continue;
            }
            stateMutex.unlock();
            resetMutex.unlock();
            return;
        }
    }
}
