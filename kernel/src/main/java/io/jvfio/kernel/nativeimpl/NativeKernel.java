package io.jvfio.kernel.nativeimpl;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.IoctlNames;
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

    @Override
    public int open(String path, int flags) {
        String call = "open(" + path + ")";
        return PlatformThreads.call(() -> {
            try (Arena a = Arena.ofConfined()) {
                return (int)
                        Libc.check((int) Libc.OPEN.invokeExact(Libc.state(), a.allocateFrom(path), flags, 0), call);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        });
    }

    @Override
    public void close(int fd) {
        try {
            Libc.check((int) Libc.CLOSE.invokeExact(Libc.state(), fd), "close(" + fd + ")");
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public long ioctl(int fd, long request, MemorySegment arg) {
        MemorySegment p = PlatformThreads.portable(arg);
        return PlatformThreads.call(() -> {
            try {
                return Libc.check((int) Libc.IOCTL_PTR.invokeExact(Libc.state(), fd, request, p), ioctlCall(request));
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        });
    }

    @Override
    public long ioctl(int fd, long request, long arg) {
        return PlatformThreads.call(() -> {
            try {
                return Libc.check(
                        (int) Libc.IOCTL_LONG.invokeExact(Libc.state(), fd, request, arg), ioctlCall(request));
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        });
    }

    private static String ioctlCall(long request) {
        return "ioctl(" + IoctlNames.describe(request) + ")";
    }

    @Override
    public long read(int fd, MemorySegment buf) {
        MemorySegment p = PlatformThreads.portable(buf);
        return PlatformThreads.call(() -> {
            try {
                return Libc.check(
                        (long) Libc.READ.invokeExact(Libc.state(), fd, p, buf.byteSize()), "read(" + fd + ")");
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        });
    }

    @Override
    public long write(int fd, MemorySegment buf) {
        MemorySegment p = PlatformThreads.portable(buf);
        return PlatformThreads.call(() -> {
            try {
                return Libc.check(
                        (long) Libc.WRITE.invokeExact(Libc.state(), fd, p, buf.byteSize()), "write(" + fd + ")");
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        });
    }

    @Override
    public long pread(int fd, MemorySegment buf, long offset) {
        MemorySegment p = PlatformThreads.portable(buf);
        return PlatformThreads.call(() -> {
            try {
                return Libc.check(
                        (long) Libc.PREAD.invokeExact(Libc.state(), fd, p, buf.byteSize(), offset),
                        "pread(" + fd + ")");
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        });
    }

    @Override
    public long pwrite(int fd, MemorySegment buf, long offset) {
        MemorySegment p = PlatformThreads.portable(buf);
        return PlatformThreads.call(() -> {
            try {
                return Libc.check(
                        (long) Libc.PWRITE.invokeExact(Libc.state(), fd, p, buf.byteSize(), offset),
                        "pwrite(" + fd + ")");
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        });
    }

    @Override
    public MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        try {
            MemorySegment p = (MemorySegment)
                    Libc.MMAP.invokeExact(Libc.state(), MemorySegment.NULL, length, prot, flags, fd, offset);
            // MAP_FAILED is (void *) -1.
            Libc.check(p.address(), "mmap(fd " + fd + ", " + length + " bytes)");
            return p.reinterpret(length);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public void munmap(MemorySegment mapping) {
        try {
            Libc.check((int) Libc.MUNMAP.invokeExact(Libc.state(), mapping, mapping.byteSize()), "munmap");
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public short[] poll(List<PollFd> fds, int timeoutMillis) {
        return PlatformThreads.call(() -> {
            try (Arena a = Arena.ofConfined()) {
                // struct pollfd { int fd; short events; short revents; }
                MemorySegment p = a.allocate(8L * fds.size(), 8);
                for (int i = 0; i < fds.size(); i++) {
                    p.set(ValueLayout.JAVA_INT, 8L * i, fds.get(i).fd());
                    p.set(ValueLayout.JAVA_SHORT, 8L * i + 4, fds.get(i).events());
                }
                Libc.check((int) Libc.POLL.invokeExact(Libc.state(), p, (long) fds.size(), timeoutMillis), "poll");
                short[] revents = new short[fds.size()];
                for (int i = 0; i < revents.length; i++) {
                    revents[i] = p.get(ValueLayout.JAVA_SHORT, 8L * i + 6);
                }
                return revents;
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        });
    }

    @Override
    public int eventfd(int initval, int flags) {
        try {
            return (int) Libc.check((int) Libc.EVENTFD.invokeExact(Libc.state(), initval, flags), "eventfd");
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public int[] pipe(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            Libc.check((int) Libc.PIPE2.invokeExact(Libc.state(), fds, flags), "pipe2");
            return new int[] {fds.get(ValueLayout.JAVA_INT, 0), fds.get(ValueLayout.JAVA_INT, 4)};
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public int memfd(String name, int flags) {
        try (Arena a = Arena.ofConfined()) {
            return (int) Libc.check(
                    (int) Libc.MEMFD_CREATE.invokeExact(Libc.state(), a.allocateFrom(name), flags),
                    "memfd_create(" + name + ")");
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public void ftruncate(int fd, long length) {
        try {
            Libc.check((int) Libc.FTRUNCATE.invokeExact(Libc.state(), fd, length), "ftruncate(" + fd + ")");
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
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
