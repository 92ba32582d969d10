package io.jvfio.api;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;

/**
 * A typed-API operation failed because a system call failed. The boundary's {@link ErrnoException}
 * is final, so the API wraps it rather than extending it: {@link #operation()} names what the caller
 * asked for ("Ioas.map(iova 0x100000, 4096 bytes)"), {@link #getCause()} is the boundary's exception
 * naming the system call ("ioctl(IOMMU_IOAS_MAP)"), and {@link #errno()} is its errno, identical on
 * both backends. {@link IommufdException} and {@link VfioException} tell the two subsystems apart;
 * this base type is used for the generic calls (mmap, eventfd, sysfs look-ups).
 *
 * <p>Misuse that never reaches the kernel (a closed object, an unbound device) is an {@link
 * IllegalStateException} or {@link IllegalArgumentException} instead.
 */
public class JvfioException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final ErrnoException cause;

    public JvfioException(String operation, ErrnoException cause) {
        this(operation, cause, null);
    }

    /** {@code hint} (may be null) tells the user what to do, e.g. how to reserve huge pages. */
    public JvfioException(String operation, ErrnoException cause, String hint) {
        super(operation + ": " + cause.getMessage() + (hint == null ? "" : " (" + hint + ")"), cause);
        this.operation = operation;
        this.cause = cause;
    }

    /** The typed-API operation that failed. */
    public String operation() {
        return operation;
    }

    /** The errno of the failing system call. */
    public Errno errno() {
        return cause.errno();
    }

    /** The failing system call, as the boundary named it. */
    @Override
    public synchronized ErrnoException getCause() {
        return cause;
    }
}
