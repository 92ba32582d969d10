package io.jvfio.kernel.nativeimpl;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Checked access to this process's memory by raw address: the emulated kernel's copy_from_user and
 * copy_to_user. A pointer from user space may be unmapped or read-only; dereferencing it from Java
 * would crash the JVM, so copies go through process_vm_readv/writev on our own pid, which report
 * EFAULT instead (and, like the kernel's uaccess, honour page protections: writing a read-only page
 * fails).
 */
public final class ProcessMemory {
    private static final int PID;

    static {
        try {
            PID = (int) Libc.Process.GETPID.invokeExact();
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private ProcessMemory() {}

    /** Copies {@code length} bytes at user address {@code address} into {@code dst}; EFAULT if any is unreadable. */
    public static void copyIn(long address, MemorySegment dst, long length) {
        transfer(Libc.Process.PROCESS_VM_READV, PID, dst, address, length, "copy_from_user");
    }

    /** Copies {@code length} bytes of {@code src} to user address {@code address}; EFAULT if any is unwritable. */
    public static void copyOut(MemorySegment src, long address, long length) {
        transfer(Libc.Process.PROCESS_VM_WRITEV, PID, src, address, length, "copy_to_user");
    }

    /**
     * {@link #copyIn} from another host process's memory (a client of a kernel server). EFAULT also
     * when the process is gone (ESRCH) or may not be read (EPERM).
     */
    public static void copyIn(int pid, long address, MemorySegment dst, long length) {
        transfer(Libc.Process.PROCESS_VM_READV, pid, dst, address, length, "copy_from_user");
    }

    /** {@link #copyOut} to another host process's memory. */
    public static void copyOut(int pid, MemorySegment src, long address, long length) {
        transfer(Libc.Process.PROCESS_VM_WRITEV, pid, src, address, length, "copy_to_user");
    }

    /** True when every byte of [address, address+length) can be read. */
    public static boolean readable(long address, long length) {
        try (Arena a = Arena.ofConfined()) {
            long pages = Math.max(1, length);
            MemorySegment probe = a.allocate(Math.min(pages, 1 << 16));
            for (long off = 0; off < length; off += probe.byteSize()) {
                copyIn(address + off, probe, Math.min(probe.byteSize(), length - off));
            }
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    private static void transfer(
            java.lang.invoke.MethodHandle h, int pid, MemorySegment local, long remote, long length, String what) {
        if (length == 0) {
            return;
        }
        if (remote == 0 || length < 0 || local.byteSize() < length) {
            throw new ErrnoException(Errno.EFAULT, what);
        }
        // A native local buffer is required: process_vm_* take addresses. Heap segments are staged.
        boolean staged = !local.isNative();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = staged ? a.allocate(length, 8) : local;
            if (staged && h == Libc.Process.PROCESS_VM_WRITEV) {
                MemorySegment.copy(local, 0, buf, 0, length);
            }
            // struct iovec { void *iov_base; size_t iov_len; }
            MemorySegment iov = a.allocate(32, 8);
            iov.set(ValueLayout.JAVA_LONG, 0, buf.address());
            iov.set(ValueLayout.JAVA_LONG, 8, length);
            iov.set(ValueLayout.JAVA_LONG, 16, remote);
            iov.set(ValueLayout.JAVA_LONG, 24, length);
            long n;
            try {
                n = Libc.check((long) h.invokeExact(Libc.state(), pid, iov, 1L, iov.asSlice(16), 1L, 0L), what);
            } catch (ErrnoException e) {
                throw e.errno() == Errno.EFAULT ? e : new ErrnoException(Errno.EFAULT, what, e.getMessage());
            }
            if (n != length) {
                // A partial transfer stops at the first bad page: the kernel's uaccess says EFAULT.
                throw new ErrnoException(Errno.EFAULT, what);
            }
            if (staged && h == Libc.Process.PROCESS_VM_READV) {
                MemorySegment.copy(buf, 0, local, 0, length);
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
