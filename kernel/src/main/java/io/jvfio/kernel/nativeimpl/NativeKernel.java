package io.jvfio.kernel.nativeimpl;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.catalog.IoctlNames;
import io.jvfio.kernel.FileStat;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.PollFd;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The kernel boundary over the real kernel: each method is one libc call through FFM. Blocking calls
 * run on platform threads ({@link PlatformThreads}).
 */
public final class NativeKernel implements Kernel {
    private static final NativeKernel INSTANCE = new NativeKernel();

    private NativeKernel() {}

    public static NativeKernel instance() {
        return INSTANCE;
    }

    @Override
    public String name() {
        return "native";
    }

    /** One libc call: its result, or the captured errno as an ErrnoException naming {@code call}. */
    @FunctionalInterface
    private interface Call {
        long invoke() throws Throwable;
    }

    /** The call's name is built only on failure: calls are a hot path (the pin check's PROCMAP_QUERY, BAR reads). */
    private static long sys(Supplier<String> call, Call c) {
        try {
            return Libc.check(c.invoke(), call);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** A call that may block: run on a platform thread ({@link PlatformThreads}). */
    private static long blocking(Supplier<String> call, Call c) {
        return PlatformThreads.call(() -> sys(call, c));
    }

    @Override
    public int open(String path, int flags) {
        return (int) blocking(() -> "open(" + path + ")", () -> {
            try (Arena a = Arena.ofConfined()) {
                return (int) Libc.Files.OPEN.invokeExact(Libc.state(), a.allocateFrom(path), flags, 0);
            }
        });
    }

    @Override
    public void close(int fd) {
        sys(() -> "close(" + fd + ")", () -> (int) Libc.Files.CLOSE.invokeExact(Libc.state(), fd));
    }

    @Override
    public long ioctl(int fd, long request, MemorySegment arg) {
        MemorySegment p = PlatformThreads.portable(arg);
        return blocking(ioctlCall(request), () -> (int) Libc.Ioctl.IOCTL_PTR.invokeExact(Libc.state(), fd, request, p));
    }

    @Override
    public long ioctl(int fd, long request, long arg) {
        return blocking(
                ioctlCall(request), () -> (int) Libc.Ioctl.IOCTL_LONG.invokeExact(Libc.state(), fd, request, arg));
    }

    /**
     * ioctl(2) for a request that never sleeps for long (PROCMAP_QUERY on a procfs maps file: a VMA
     * lookup under the mmap lock, like mmap itself): made on the calling thread even when it is
     * virtual. Handing it to a platform thread as {@link #ioctl} does would cost more than the call,
     * and a confined {@code arg} stays usable.
     */
    public long ioctlNonBlocking(int fd, long request, MemorySegment arg) {
        return sys(ioctlCall(request), () -> (int) Libc.Ioctl.IOCTL_PTR.invokeExact(Libc.state(), fd, request, arg));
    }

    private static Supplier<String> ioctlCall(long request) {
        return () -> "ioctl(" + IoctlNames.describe(request) + ")";
    }

    @Override
    public long read(int fd, MemorySegment buf) {
        MemorySegment p = PlatformThreads.portable(buf);
        long n = buf.byteSize();
        return blocking(() -> "read(" + fd + ")", () -> (long) Libc.Files.READ.invokeExact(Libc.state(), fd, p, n));
    }

    @Override
    public long write(int fd, MemorySegment buf) {
        MemorySegment p = PlatformThreads.portable(buf);
        long n = buf.byteSize();
        return blocking(() -> "write(" + fd + ")", () -> (long) Libc.Files.WRITE.invokeExact(Libc.state(), fd, p, n));
    }

    @Override
    public long pread(int fd, MemorySegment buf, long offset) {
        MemorySegment p = PlatformThreads.portable(buf);
        long n = buf.byteSize();
        return blocking(
                () -> "pread(" + fd + ")", () -> (long) Libc.Files.PREAD.invokeExact(Libc.state(), fd, p, n, offset));
    }

    @Override
    public long pwrite(int fd, MemorySegment buf, long offset) {
        MemorySegment p = PlatformThreads.portable(buf);
        long n = buf.byteSize();
        return blocking(
                () -> "pwrite(" + fd + ")", () -> (long) Libc.Files.PWRITE.invokeExact(Libc.state(), fd, p, n, offset));
    }

    @Override
    public MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        // MAP_FAILED is (void *) -1, which check() treats like any -1 result.
        long address = sys(() -> "mmap(fd " + fd + ", " + length + " bytes)", () -> ((MemorySegment)
                        Libc.Memory.MMAP.invokeExact(Libc.state(), MemorySegment.NULL, length, prot, flags, fd, offset))
                .address());
        return NativeMemory.at(address, length);
    }

    @Override
    public void munmap(MemorySegment mapping) {
        sys(() -> "munmap", () -> (int) Libc.Memory.MUNMAP.invokeExact(Libc.state(), mapping, mapping.byteSize()));
    }

    @Override
    public short[] poll(List<PollFd> fds, int timeoutMillis) {
        // struct pollfd { int fd; short events; short revents; }, in shared memory so the
        // platform thread that may run the call can reach it.
        try (Arena a = Arena.ofShared()) {
            MemorySegment p = a.allocate(8L * fds.size(), 8);
            for (int i = 0; i < fds.size(); i++) {
                p.set(ValueLayout.JAVA_INT, 8L * i, fds.get(i).fd());
                p.set(ValueLayout.JAVA_SHORT, 8L * i + 4, fds.get(i).events());
            }
            long n = fds.size();
            blocking(() -> "poll", () -> (int) Libc.Files.POLL.invokeExact(Libc.state(), p, n, timeoutMillis));
            short[] revents = new short[fds.size()];
            for (int i = 0; i < revents.length; i++) {
                revents[i] = p.get(ValueLayout.JAVA_SHORT, 8L * i + 6);
            }
            return revents;
        }
    }

    @Override
    public int eventfd(int initval, int flags) {
        return (int) sys(() -> "eventfd", () -> (int) Libc.Files.EVENTFD.invokeExact(Libc.state(), initval, flags));
    }

    @Override
    public int[] pipe(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            sys(() -> "pipe2", () -> (int) Libc.Files.PIPE2.invokeExact(Libc.state(), fds, flags));
            return new int[] {fds.get(ValueLayout.JAVA_INT, 0), fds.get(ValueLayout.JAVA_INT, 4)};
        }
    }

    @Override
    public int memfd(String name, int flags) {
        return (int) sys(() -> "memfd_create(" + name + ")", () -> {
            try (Arena a = Arena.ofConfined()) {
                return (int) Libc.Memory.MEMFD_CREATE.invokeExact(Libc.state(), a.allocateFrom(name), flags);
            }
        });
    }

    @Override
    public void ftruncate(int fd, long length) {
        sys(() -> "ftruncate(" + fd + ")", () -> (int) Libc.Memory.FTRUNCATE.invokeExact(Libc.state(), fd, length));
    }

    @Override
    public FileStat fstat(int fd) {
        HostSyscalls.Stat s = HostSyscalls.fstat(fd);
        return new FileStat(s.mode(), s.rdev(), s.size());
    }

    @Override
    public List<String> listDirectory(String path) {
        try (Stream<Path> s = Files.list(Path.of(path))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw fileError(e, "opendir(" + path + ")");
        }
    }

    @Override
    public String readlink(String path) {
        try {
            return Files.readSymbolicLink(Path.of(path)).toString();
        } catch (IOException e) {
            throw fileError(e, "readlink(" + path + ")");
        }
    }

    private static ErrnoException fileError(IOException e, String call) {
        Errno errno;
        if (e instanceof NoSuchFileException) {
            errno = Errno.ENOENT;
        } else if (e instanceof AccessDeniedException) {
            errno = Errno.EACCES;
        } else if (e instanceof NotDirectoryException) {
            errno = Errno.ENOTDIR;
        } else if (e instanceof NotLinkException) {
            errno = Errno.EINVAL;
        } else {
            errno = Errno.EIO;
        }
        return new ErrnoException(errno, call, e.getMessage());
    }
}
