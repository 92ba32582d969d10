package io.jvfio.testkit;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;

/** The errno a call fails with, for assertions. */
public final class Errnos {
    private Errnos() {}

    /** The errno {@code call} failed with; a call that succeeds fails the test. */
    public static Errno errno(Runnable call) {
        try {
            call.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        throw new AssertionError("expected the call to fail");
    }
}
