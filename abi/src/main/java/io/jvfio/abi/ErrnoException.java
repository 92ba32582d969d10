package io.jvfio.abi;

/**
 * The one failure type of the kernel boundary: a system call returned -1 with this errno. Both the
 * emulated and the native backend throw it, so a test can compare outcomes across backends. {@code
 * call} names what failed ("ioctl(IOMMU_IOAS_MAP)", "open(/dev/iommu)"); inside the emulated kernel
 * it may be null until the boundary fills it in.
 */
public final class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String call;

    public ErrnoException(Errno errno) {
        this(errno, null, null);
    }

    public ErrnoException(Errno errno, String call) {
        this(errno, call, null);
    }

    public ErrnoException(Errno errno, String call, String detail) {
        super(message(errno, call, detail), null, false, false);
        this.errno = errno;
        this.call = call;
    }

    private static String message(Errno errno, String call, String detail) {
        StringBuilder sb = new StringBuilder();
        if (call != null) {
            sb.append(call).append(": ");
        }
        sb.append(errno.name()).append(" (").append(errno.number()).append(')');
        if (detail != null) {
            sb.append(": ").append(detail);
        }
        return sb.toString();
    }

    public Errno errno() {
        return errno;
    }

    /** The failing call, or null when not yet known. */
    public String call() {
        return call;
    }

    /** The same failure attributed to {@code call}. */
    public ErrnoException withCall(String newCall) {
        return call != null ? this : new ErrnoException(errno, newCall);
    }

    /** Convenience for {@code throw Errno.X.raise()} style checks in the emulated kernel. */
    public static ErrnoException of(Errno errno) {
        return new ErrnoException(errno);
    }
}
