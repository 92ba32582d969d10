package io.jvfio.api;

import io.jvfio.abi.ErrnoException;

/** An operation on /dev/iommu or one of its objects (IOAS, HWPT) failed. */
public class IommufdException extends JvfioException {
    private static final long serialVersionUID = 1L;

    public IommufdException(String operation, ErrnoException cause) {
        super(operation, cause);
    }
}
