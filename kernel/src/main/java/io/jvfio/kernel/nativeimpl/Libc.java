package io.jvfio.kernel.nativeimpl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.function.Supplier;

/**
 * The libc functions the native backend calls, linked once with errno captured. This package is the
 * only place in jvfio that touches the {@link Linker}; an architecture test holds that line.
 *
 * <p>errno is read only after a call returned -1: libc may leave any value in it on success.
 *
 * <p>The handles sit in holder classes by family, so a process links only the families it calls:
 * each link generates classes, a few milliseconds apiece, which `jvfio ls` on the emulated backend
 * would otherwise pay eighteen times at startup.
 */
final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final class Files {
        // int open(const char *path, int flags, ...): mode is always passed (variadic from argument 2).
        static final MethodHandle OPEN = link(
                "open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle READ = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle WRITE = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle PREAD =
                link("pread64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        static final MethodHandle PWRITE =
                link("pwrite64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        static final MethodHandle POLL = link("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        static final MethodHandle EVENTFD = link("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle PIPE2 = link("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

        private Files() {}
    }

    static final class Ioctl {
        // int ioctl(int fd, unsigned long request, ...): the third argument is always passed, else the
        // kernel reads whatever the register held.
        static final MethodHandle IOCTL_PTR = link(
                "ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
                Linker.Option.firstVariadicArg(2));
        static final MethodHandle IOCTL_LONG = link(
                "ioctl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(2));

        private Ioctl() {}
    }

    static final class Memory {
        static final MethodHandle MMAP = link(
                "mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        static final MethodHandle MUNMAP = link("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle MEMFD_CREATE =
                link("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle FTRUNCATE = link("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));

        private Memory() {}
    }

    static final class Process {
        static final MethodHandle GETPID =
                LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("getpid"), FunctionDescriptor.of(JAVA_INT));
        // ssize_t process_vm_readv/writev(pid, local_iov, liovcnt, remote_iov, riovcnt, flags)
        static final MethodHandle PROCESS_VM_READV = link(
                "process_vm_readv",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG));
        static final MethodHandle PROCESS_VM_WRITEV = link(
                "process_vm_writev",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG));

        private Process() {}
    }

    private Libc() {}

    static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MethodHandle h = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, options);
        return h;
    }

    /** Scratch for the captured errno, one per thread. */
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    /** The call-state segment to pass as the first argument of a linked handle. */
    static MemorySegment state() {
        return STATE.get();
    }

    /** Throws the captured errno when {@code result} is -1; returns {@code result} otherwise. */
    static long check(long result, String call) {
        return check(result, () -> call);
    }

    /** As {@link #check(long, String)}, naming the call only when it failed. */
    static long check(long result, Supplier<String> call) {
        if (result == -1) {
            int errno = (int) ERRNO_HANDLE.get(state(), 0L);
            Errno e = Errno.orNull(errno);
            throw new ErrnoException(e != null ? e : Errno.EIO, call.get(), e != null ? null : "errno " + errno);
        }
        return result;
    }

    /** Wraps a Throwable from invokeExact: errors of ours pass through, anything else is a bug. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
