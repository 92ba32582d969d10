package io.jvfio.emulator.vfio;

import static io.jvfio.abi.vfio.VfioDeviceFeatureMigState.*;
import static io.jvfio.abi.vfio.VfioDeviceFeatureMigration.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;

/**
 * The migration state machine of vfio_main.c ({@code vfio_mig_get_next_state}): for a current and
 * a requested state, the next arc a driver must take. Combination transitions go one arc at a
 * time along the shortest path that has no saving state (PRE_COPY, PRE_COPY_P2P, STOP_COPY) in
 * its interior; states the device's flags do not support are stepped over.
 */
public final class MigrationFsm {
    // Rows: from; columns: to (indexes are the enum values, ERROR = 0).
    private static final int E = STATE_ERROR;
    private static final int S = STATE_STOP;
    private static final int R = STATE_RUNNING;
    private static final int SC = STATE_STOP_COPY;
    private static final int RS = STATE_RESUMING;
    private static final int RP = STATE_RUNNING_P2P;
    private static final int PC = STATE_PRE_COPY;
    private static final int PP = STATE_PRE_COPY_P2P;

    private static final int[][] FROM = {
        /* ERROR */ {E, E, E, E, E, E, E, E},
        /* STOP */ {E, S, RP, SC, RS, RP, RP, RP},
        /* RUNNING */ {E, RP, R, RP, RP, RP, PC, RP},
        /* STOP_COPY */ {E, S, S, SC, S, S, E, E},
        /* RESUMING */ {E, S, S, S, RS, S, S, S},
        /* RUNNING_P2P */ {E, S, R, S, S, RP, R, PP},
        /* PRE_COPY */ {E, R, R, PP, R, R, PC, PP},
        /* PRE_COPY_P2P */ {E, RP, RP, SC, RP, RP, PC, PP},
    };

    /** The migration flags each state needs; ERROR needs everything, so it is never a step. */
    private static final int[] NEEDS = {
        ~0,
        MIGRATION_STOP_COPY,
        MIGRATION_STOP_COPY,
        MIGRATION_STOP_COPY,
        MIGRATION_STOP_COPY,
        MIGRATION_STOP_COPY | MIGRATION_P2P,
        MIGRATION_STOP_COPY | MIGRATION_PRE_COPY,
        MIGRATION_STOP_COPY | MIGRATION_P2P | MIGRATION_PRE_COPY,
    };

    private MigrationFsm() {}

    private static boolean supported(int flags, int state) {
        return (NEEDS[state] & flags) == NEEDS[state];
    }

    /**
     * {@code vfio_mig_get_next_state}: the next state on the way from {@code cur} to {@code
     * target} for a device with migration {@code flags}. EINVAL for a state out of range or one
     * the flags do not support (ERROR included), and for an arc that is not allowed (STOP_COPY to
     * PRE_COPY or PRE_COPY_P2P).
     */
    public static int nextState(int flags, int cur, int target) {
        if (Integer.compareUnsigned(cur, STATE_NR) >= 0 || !supported(flags, cur)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (Integer.compareUnsigned(target, STATE_NR) >= 0 || !supported(flags, target)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        int next = FROM[cur][target];
        while (next != STATE_ERROR && !supported(flags, next)) {
            next = FROM[next][target];
        }
        if (next == STATE_ERROR) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return next;
    }

    /** {@link #nextState(int, int, int)} with the device's migration flags. */
    public static int nextState(VfioDevice device, int cur, int target) {
        return nextState(device.migrationFlags(), cur, target);
    }
}
