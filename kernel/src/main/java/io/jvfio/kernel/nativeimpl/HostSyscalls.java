package io.jvfio.kernel.nativeimpl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The host system calls a kernel server needs besides the boundary's: AF_UNIX sockets with peer
 * credentials and fd passing, pidfds, epoll and fstat. Blocking ones (accept, recv, epoll_wait)
 * block the calling thread, which must be a platform thread. Errors are {@link ErrnoException}.
 */
public final class HostSyscalls {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERCRED = 17;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SUN_PATH = 108;

    /** EPOLLIN, EPOLLERR, EPOLLHUP, EPOLLRDHUP. */
    public static final int EPOLLIN = 0x1;

    public static final int EPOLLERR = 0x8;
    public static final int EPOLLHUP = 0x10;
    public static final int EPOLLRDHUP = 0x2000;

    private static final MethodHandle SOCKET =
            Libc.link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR =
            Libc.link("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle BIND =
            Libc.link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT =
            Libc.link("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = Libc.link("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 =
            Libc.link("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT =
            Libc.link("getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SENDMSG =
            Libc.link("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG =
            Libc.link("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN =
            Libc.link("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PIDFD_OPEN =
            Libc.link("pidfd_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PIDFD_GETFD =
            Libc.link("pidfd_getfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CREATE1 =
            Libc.link("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL =
            Libc.link("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT =
            Libc.link("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FSTAT = Libc.link("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle GETUID = Libc.link("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle CAPGET = Libc.link("capget", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle PRLIMIT =
            Libc.link("prlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle UNLINK = Libc.link("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private HostSyscalls() {}

    /** The peer of a connected AF_UNIX socket, as the host kernel recorded it at connect (SO_PEERCRED). */
    public record PeerCred(int pid, int uid, int gid) {}

    /** What fstat says of a file: enough to identify it and to size it. */
    public record Stat(long dev, long ino, int mode, long rdev, long size) {
        public static final int S_IFMT = 0170000;
        public static final int S_IFSOCK = 0140000;

        public boolean isSocket() {
            return (mode & S_IFMT) == S_IFSOCK;
        }
    }

    @FunctionalInterface
    private interface Call {
        long invoke() throws Throwable;
    }

    private static long sys(String call, Call c) {
        try {
            return Libc.check(c.invoke(), call);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static MemorySegment sockaddr(Arena a, String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= SUN_PATH) {
            throw new ErrnoException(Errno.ENAMETOOLONG, "sockaddr_un", path);
        }
        MemorySegment sa = a.allocate(2 + SUN_PATH, 8);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, sa, ValueLayout.JAVA_BYTE, 2, bytes.length);
        return sa;
    }

    /** A listening AF_UNIX stream socket bound at {@code path} (close-on-exec). */
    public static int listenUnix(String path, int backlog) {
        int fd = (int)
                sys("socket", () -> (int) SOCKET.invokeExact(Libc.state(), AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = sockaddr(a, path);
            sys("bind(" + path + ")", () -> (int) BIND.invokeExact(Libc.state(), fd, sa, (int) sa.byteSize()));
            sys("listen", () -> (int) LISTEN.invokeExact(Libc.state(), fd, backlog));
            return fd;
        } catch (RuntimeException e) {
            NativeKernel.instance().close(fd);
            throw e;
        }
    }

    /** A stream socket connected to the AF_UNIX socket at {@code path}. */
    public static int connectUnix(String path) {
        int fd = (int)
                sys("socket", () -> (int) SOCKET.invokeExact(Libc.state(), AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = sockaddr(a, path);
            sys("connect(" + path + ")", () -> (int) CONNECT.invokeExact(Libc.state(), fd, sa, (int) sa.byteSize()));
            return fd;
        } catch (RuntimeException e) {
            NativeKernel.instance().close(fd);
            throw e;
        }
    }

    /** accept4 with SOCK_CLOEXEC; blocks. */
    public static int accept(int listenFd) {
        return (int) sys("accept", () -> (int)
                ACCEPT4.invokeExact(Libc.state(), listenFd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC));
    }

    /** shutdown(SHUT_RDWR): wakes a thread blocked in accept or recv on {@code fd}. */
    public static void shutdown(int fd) {
        sys("shutdown", () -> (int) SHUTDOWN.invokeExact(Libc.state(), fd, 2));
    }

    public static PeerCred peerCred(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cred = a.allocate(12, 4);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 12);
            sys("getsockopt(SO_PEERCRED)", () ->
                    (int) GETSOCKOPT.invokeExact(Libc.state(), fd, SOL_SOCKET, SO_PEERCRED, cred, len));
            return new PeerCred(
                    cred.get(ValueLayout.JAVA_INT, 0),
                    cred.get(ValueLayout.JAVA_INT, 4),
                    cred.get(ValueLayout.JAVA_INT, 8));
        }
    }

    /** socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC). */
    public static int[] socketpair() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sv = a.allocate(ValueLayout.JAVA_INT, 2);
            sys("socketpair", () ->
                    (int) SOCKETPAIR.invokeExact(Libc.state(), AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
            return new int[] {sv.get(ValueLayout.JAVA_INT, 0), sv.get(ValueLayout.JAVA_INT, 4)};
        }
    }

    /**
     * Sends all of {@code data} on a stream socket, with {@code passFd} as SCM_RIGHTS on the first
     * byte when it is not -1 (MSG_NOSIGNAL: a gone peer is EPIPE, not a signal).
     */
    public static void send(int sock, MemorySegment data, int passFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msg = a.allocate(56, 8);
            MemorySegment iov = a.allocate(16, 8);
            MemorySegment control = a.allocate(24, 8);
            long sent = 0;
            boolean withFd = passFd >= 0;
            while (sent < data.byteSize()) {
                msg.fill((byte) 0);
                iov.set(JAVA_LONG, 0, data.address() + sent);
                iov.set(JAVA_LONG, 8, data.byteSize() - sent);
                msg.set(JAVA_LONG, 16, iov.address());
                msg.set(JAVA_LONG, 24, 1);
                if (withFd) {
                    // struct cmsghdr { size_t len; int level; int type; } + one int: CMSG_LEN(4) = 20
                    control.set(JAVA_LONG, 0, 20);
                    control.set(JAVA_INT, 8, SOL_SOCKET);
                    control.set(JAVA_INT, 12, SCM_RIGHTS);
                    control.set(JAVA_INT, 16, passFd);
                    msg.set(JAVA_LONG, 32, control.address());
                    msg.set(JAVA_LONG, 40, 24);
                }
                long n = sys("sendmsg", () -> (long) SENDMSG.invokeExact(Libc.state(), sock, msg, MSG_NOSIGNAL));
                sent += n;
                withFd = false;
            }
        }
    }

    /**
     * Receives exactly {@code dst.byteSize()} bytes (blocking) and the file descriptor passed along
     * with them (close-on-exec), or -1 when none came; EPIPE at end of stream.
     */
    public static int receiveWithFd(int sock, MemorySegment dst) {
        int fd = receiveMessage(sock, dst);
        if (fd == END) {
            throw new ErrnoException(Errno.EPIPE, "recvmsg", "connection closed");
        }
        return fd;
    }

    /**
     * Receives exactly {@code dst.byteSize()} bytes (blocking); returns false at end of stream
     * before any byte. A file descriptor passed along is closed: the server never takes fds this way.
     */
    public static boolean receive(int sock, MemorySegment dst) {
        int fd = receiveMessage(sock, dst);
        if (fd >= 0) {
            NativeKernel.instance().close(fd);
        }
        return fd != END;
    }

    private static final int END = -2;

    /** recvmsg until {@code dst} is full: the fd that came along, -1 for none, END at end of stream first. */
    private static int receiveMessage(int sock, MemorySegment dst) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msg = a.allocate(56, 8);
            MemorySegment iov = a.allocate(16, 8);
            MemorySegment control = a.allocate(64, 8);
            long got = 0;
            int fd = -1;
            while (got < dst.byteSize()) {
                msg.fill((byte) 0);
                iov.set(JAVA_LONG, 0, dst.address() + got);
                iov.set(JAVA_LONG, 8, dst.byteSize() - got);
                msg.set(JAVA_LONG, 16, iov.address());
                msg.set(JAVA_LONG, 24, 1);
                msg.set(JAVA_LONG, 32, control.address());
                msg.set(JAVA_LONG, 40, control.byteSize());
                long n = sys("recvmsg", () -> (long) RECVMSG.invokeExact(Libc.state(), sock, msg, MSG_CMSG_CLOEXEC));
                int passed = passedFd(msg, control);
                if (passed >= 0) {
                    if (fd >= 0) {
                        NativeKernel.instance().close(fd); // one fd a message: a second is not ours to keep
                    }
                    fd = passed;
                }
                if (n == 0) {
                    if (got == 0 && fd < 0) {
                        return END;
                    }
                    if (fd >= 0) {
                        NativeKernel.instance().close(fd);
                    }
                    throw new ErrnoException(Errno.EPIPE, "recvmsg", "connection closed inside a message");
                }
                got += n;
            }
            return fd;
        }
    }

    /** The first fd of an SCM_RIGHTS message; any more in it are closed. */
    private static int passedFd(MemorySegment msg, MemorySegment control) {
        long controlLen = msg.get(JAVA_LONG, 40);
        if (controlLen < 16 || control.get(JAVA_INT, 8) != SOL_SOCKET || control.get(JAVA_INT, 12) != SCM_RIGHTS) {
            return -1;
        }
        long len = control.get(JAVA_LONG, 0);
        int first = len >= 20 ? control.get(JAVA_INT, 16) : -1;
        for (long off = 20; off + 4 <= len; off += 4) {
            NativeKernel.instance().close(control.get(JAVA_INT, off));
        }
        return first;
    }

    /** pidfd_open: a pidfd for {@code pid} (readable once the process exits). */
    public static int pidfdOpen(int pid) {
        return (int) sys("pidfd_open(" + pid + ")", () -> (int) PIDFD_OPEN.invokeExact(Libc.state(), pid, 0));
    }

    /** pidfd_getfd: a copy (close-on-exec) of the process's fd {@code targetFd}; EBADF if it has none. */
    public static int pidfdGetfd(int pidfd, int targetFd) {
        return (int) sys("pidfd_getfd", () -> (int) PIDFD_GETFD.invokeExact(Libc.state(), pidfd, targetFd, 0));
    }

    public static int epollCreate() {
        return (int) sys("epoll_create1", () -> (int) EPOLL_CREATE1.invokeExact(Libc.state(), SOCK_CLOEXEC));
    }

    /** epoll_ctl ADD (op 1) or DEL (op 2) of {@code fd} for {@code events}, tagged with {@code data}. */
    public static void epollCtl(int epfd, int op, int fd, int events, long data) {
        try (Arena a = Arena.ofConfined()) {
            // struct epoll_event is packed on x86-64: u32 events, u64 data
            MemorySegment ev = a.allocate(12, 4);
            ev.set(ValueLayout.JAVA_INT_UNALIGNED, 0, events);
            ev.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, data);
            sys("epoll_ctl", () -> (int) EPOLL_CTL.invokeExact(Libc.state(), epfd, op, fd, ev));
        }
    }

    /** An epoll_wait result: the data tags and events of the ready entries. */
    public record Ready(long[] data, int[] events, int count) {}

    /** epoll_wait for up to {@code max} entries ({@code timeoutMillis} -1: forever). */
    public static Ready epollWait(int epfd, int max, int timeoutMillis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment evs = a.allocate(12L * max, 4);
            int n;
            while (true) {
                try {
                    n = (int) sys("epoll_wait", () ->
                            (int) EPOLL_WAIT.invokeExact(Libc.state(), epfd, evs, max, timeoutMillis));
                    break;
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EINTR) {
                        throw e;
                    }
                }
            }
            long[] data = new long[n];
            int[] events = new int[n];
            for (int i = 0; i < n; i++) {
                events[i] = evs.get(ValueLayout.JAVA_INT_UNALIGNED, 12L * i);
                data[i] = evs.get(ValueLayout.JAVA_LONG_UNALIGNED, 12L * i + 4);
            }
            return new Ready(data, events, n);
        }
    }

    public static Stat fstat(int fd) {
        try (Arena a = Arena.ofConfined()) {
            // struct stat on x86-64: dev@0 ino@8 nlink@16 mode@24 uid@28 gid@32 rdev@40 size@48, 144 bytes
            MemorySegment st = a.allocate(144, 8);
            sys("fstat(" + fd + ")", () -> (int) FSTAT.invokeExact(Libc.state(), fd, st));
            return new Stat(
                    st.get(JAVA_LONG, 0),
                    st.get(JAVA_LONG, 8),
                    st.get(JAVA_INT, 24),
                    st.get(JAVA_LONG, 40),
                    st.get(JAVA_LONG, 48));
        }
    }

    /** capget: the effective capability set of {@code pid} (bits 0-63). */
    public static long effectiveCaps(int pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hdr = a.allocate(8, 4);
            hdr.set(JAVA_INT, 0, 0x20080522); // _LINUX_CAPABILITY_VERSION_3
            hdr.set(JAVA_INT, 4, pid);
            MemorySegment data = a.allocate(24, 4); // two of {effective, permitted, inheritable}
            sys("capget(" + pid + ")", () -> (int) CAPGET.invokeExact(Libc.state(), hdr, data));
            return Integer.toUnsignedLong(data.get(JAVA_INT, 0)) | ((long) data.get(JAVA_INT, 12) << 32);
        }
    }

    /** prlimit: the soft limit {@code resource} of {@code pid}; Long.MAX_VALUE for RLIM_INFINITY. */
    public static long softLimit(int pid, int resource) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(16, 8);
            sys("prlimit(" + pid + ")", () ->
                    (int) PRLIMIT.invokeExact(Libc.state(), pid, resource, MemorySegment.NULL, old));
            long cur = old.get(JAVA_LONG, 0);
            return cur < 0 ? Long.MAX_VALUE : cur;
        }
    }

    public static int getuid() {
        return (int) sys("getuid", () -> (int) GETUID.invokeExact(Libc.state()));
    }

    /** unlink(2); ENOENT is not an error here. */
    public static void unlinkIfPresent(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(path);
            sys("unlink(" + path + ")", () -> (int) UNLINK.invokeExact(Libc.state(), p));
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
    }
}
