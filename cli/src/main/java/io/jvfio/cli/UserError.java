package io.jvfio.cli;

import io.jvfio.abi.Errno;
import io.jvfio.api.JvfioException;
import io.jvfio.api.driver.NvmeException;

/**
 * The exit codes of jvfio and the one-line message for each kind of failure: user errors are
 * never stack traces.
 */
final class UserError {
    static final int OK = 0;
    /** A demo step, test or benchmark failed. */
    static final int FAILED = 1;
    /** Bad command line or argument (picocli's own code for usage errors), e.g. a bad PCI address. */
    static final int USAGE = 2;

    static final int NO_DEVICE = 3;
    static final int NO_PERMISSION = 4;
    static final int BUSY = 5;
    static final int BACKEND_UNUSABLE = 6;
    /** Anything else the kernel refused, or a device that misbehaved. */
    static final int ERROR = 7;

    private UserError() {}

    /** The exit code for {@code e}. */
    static int exitCode(Throwable e) {
        if (e instanceof JvfioException j) {
            return exitCode(j.errno());
        }
        if (e instanceof BackendOptions.BackendUnusableException) {
            return BACKEND_UNUSABLE;
        }
        if (e instanceof IllegalArgumentException) {
            return USAGE;
        }
        return ERROR;
    }

    static int exitCode(Errno errno) {
        return switch (errno) {
            case ENOENT, ENODEV, ENXIO -> NO_DEVICE;
            case EACCES, EPERM -> NO_PERMISSION;
            case EBUSY -> BUSY;
            default -> ERROR;
        };
    }

    /** One line saying what went wrong, with what to do where the errno tells. */
    static String message(Throwable e) {
        if (e instanceof JvfioException j) {
            String hint =
                    switch (j.errno()) {
                        case ENOENT, ENODEV, ENXIO -> "no such device";
                        case EACCES, EPERM -> "no permission (run as root, or check /dev/vfio and /dev/iommu)";
                        case EBUSY -> "device in use (another process or driver has it)";
                        default -> null;
                    };
            return j.getMessage() + (hint == null || j.getMessage().contains(hint) ? "" : " — " + hint);
        }
        if (e instanceof BackendOptions.BackendUnusableException
                || e instanceof NvmeException
                || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
