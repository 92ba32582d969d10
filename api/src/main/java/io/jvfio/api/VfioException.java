package io.jvfio.api;

import io.jvfio.abi.ErrnoException;

/** An operation on a VFIO device, group or container fd failed. */
public class VfioException extends JvfioException {
    private static final long serialVersionUID = 1L;

    public VfioException(String operation, ErrnoException cause) {
        super(operation, cause);
    }
}
