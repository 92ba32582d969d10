package io.jvfio.abi;

import java.util.HashMap;
import java.util.Map;

/**
 * Linux errno values as seen on x86-64 (asm-generic/errno-base.h and errno.h). Both backends report
 * failures with these, so results compare across backends by value, not by message.
 */
public enum Errno {
    EPERM(1),
    ENOENT(2),
    ESRCH(3),
    EINTR(4),
    EIO(5),
    ENXIO(6),
    E2BIG(7),
    ENOEXEC(8),
    EBADF(9),
    ECHILD(10),
    EAGAIN(11),
    ENOMEM(12),
    EACCES(13),
    EFAULT(14),
    ENOTBLK(15),
    EBUSY(16),
    EEXIST(17),
    EXDEV(18),
    ENODEV(19),
    ENOTDIR(20),
    EISDIR(21),
    EINVAL(22),
    ENFILE(23),
    EMFILE(24),
    ENOTTY(25),
    ETXTBSY(26),
    EFBIG(27),
    ENOSPC(28),
    ESPIPE(29),
    EROFS(30),
    EMLINK(31),
    EPIPE(32),
    EDOM(33),
    ERANGE(34),
    EDEADLK(35),
    ENAMETOOLONG(36),
    ENOLCK(37),
    ENOSYS(38),
    ENOTEMPTY(39),
    ELOOP(40),
    ENOMSG(42),
    EBADE(52),
    ENODATA(61),
    EOVERFLOW(75),
    EBADFD(77),
    EUSERS(87),
    EMSGSIZE(90),
    EOPNOTSUPP(95),
    EADDRINUSE(98),
    ENETDOWN(100),
    ETIMEDOUT(110),
    EALREADY(114),
    EINPROGRESS(115),
    ECANCELED(125),
    /** Kernel-internal "no such ioctl"; the VFS turns it into {@link #ENOTTY} before user space sees it. */
    ENOIOCTLCMD(515),
    /** Kernel-internal "operation not supported" (distinct from EOPNOTSUPP); user space sees 524. */
    ENOTSUPP(524);

    private static final Map<Integer, Errno> BY_NUMBER = new HashMap<>();

    static {
        for (Errno e : values()) {
            BY_NUMBER.put(e.number, e);
        }
    }

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The positive errno value. */
    public int number() {
        return number;
    }

    /** The errno with this value; throws for a value this enum does not name. */
    public static Errno of(int number) {
        Errno e = BY_NUMBER.get(number);
        if (e == null) {
            throw new IllegalArgumentException("unknown errno " + number);
        }
        return e;
    }

    /** The errno with this value, or null. */
    public static Errno orNull(int number) {
        return BY_NUMBER.get(number);
    }
}
