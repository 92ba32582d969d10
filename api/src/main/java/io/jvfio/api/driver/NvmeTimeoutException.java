package io.jvfio.api.driver;

import java.time.Duration;

/** A command, or a controller state change, did not complete within the driver's timeout. */
public final class NvmeTimeoutException extends NvmeException {
    private static final long serialVersionUID = 1L;

    NvmeTimeoutException(String what, Duration timeout) {
        super(what, "no completion within " + timeout.toMillis() + " ms");
    }
}
