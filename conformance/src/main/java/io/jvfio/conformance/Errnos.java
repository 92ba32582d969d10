package io.jvfio.conformance;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;

/** The errno a call fails with, for assertions. */
public final class Errnos {
    private Errnos() {}

    /** The errno {@code call} failed with, or null when it succeeded. */
    public static Errno errno(Runnable call) {
        try {
            call.run();
            return null;
        } catch (ErrnoException e) {
            return e.errno();
        }
    }
}
