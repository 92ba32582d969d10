package io.jvfio.kernel.nativeimpl;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

/**
 * The host's membarrier(2), private expedited: one call makes every running thread of this process
 * execute a full memory barrier. It lets a rarely-taken side of a synchronisation pay for the
 * fences the frequent side leaves out (the asymmetric fence userspace RCU and QEMU use). glibc has
 * no wrapper, so it is called through syscall(2).
 */
public final class Membarrier {
    private static final int CMD_QUERY = 0;
    private static final int CMD_PRIVATE_EXPEDITED = 1 << 3;
    private static final int CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;

    private static final MethodHandle SYSCALL;
    private static final long NR;
    private static final boolean REGISTERED;

    static {
        NR = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 324;
            case "aarch64" -> 283;
            default -> -1;
        };
        MethodHandle h = null;
        boolean ok = false;
        if (NR > 0 && System.getProperty("os.name").startsWith("Linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                h = linker.downcallHandle(
                        linker.defaultLookup().findOrThrow("syscall"),
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT),
                        Linker.Option.firstVariadicArg(1));
                long supported = (long) h.invokeExact(NR, CMD_QUERY, 0);
                ok = supported > 0
                        && (supported & CMD_PRIVATE_EXPEDITED) != 0
                        && (long) h.invokeExact(NR, CMD_REGISTER_PRIVATE_EXPEDITED, 0) == 0;
            } catch (Throwable t) {
                ok = false; // no native access, or a seccomp filter refusing the call: callers fence themselves
            }
        }
        SYSCALL = h;
        REGISTERED = ok;
    }

    private Membarrier() {}

    /** Whether {@link #everyThread} works here (registered once for the process). */
    public static boolean available() {
        return REGISTERED;
    }

    /**
     * Returns after every thread of this process has executed a full memory barrier: stores it made
     * before are visible to the caller, and loads it makes after see what the caller stored before.
     */
    public static void everyThread() {
        if (!REGISTERED) {
            throw new IllegalStateException("membarrier private expedited is not available");
        }
        long r;
        try {
            r = (long) SYSCALL.invokeExact(NR, CMD_PRIVATE_EXPEDITED, 0);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        if (r != 0) {
            throw new IllegalStateException("membarrier private expedited failed after registration");
        }
    }
}
