package io.jvfio.api.driver;

/** An NVMe command failed: completed with a non-zero status, or did not complete in time. */
public class NvmeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String command;

    NvmeException(String command, String message) {
        super(command + ": " + message);
        this.command = command;
    }

    /** The command that failed, e.g. "Read(lba 100, 8 blocks)". */
    public String command() {
        return command;
    }
}
