package io.jvfio.api.driver;

/** An I/OAT operation failed: the channel halted on an error, or did not complete in time. */
public final class IoatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    IoatException(String operation, String message) {
        super(operation + ": " + message);
    }
}
