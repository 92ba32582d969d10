package io.jvfio.server;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.PhysicalPages;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.kernel.FileStat;
import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client thread's connection: its requests run one after another on a platform thread of
 * ours, as that client thread's system calls in the emulated kernel ({@code current} is its
 * process). Whatever a request does wrong, the client gets an errno: a Java exception never
 * leaves, and a malformed request ends only this connection.
 */
final class Connection implements Runnable {
    private static final Logger LOG = Logger.getLogger(Connection.class.getName());
    private static final ThreadLocal<Connection> CURRENT = new ThreadLocal<>();

    private final KernelServer server;
    private final EmulatedKernel kernel;
    private final int sock;
    private final ClientProcess process;
    /** The client thread's id as its hello said (only used to ask the host for that thread's capabilities). */
    private volatile int tid;

    private final MemorySegment in = Arena.ofAuto().allocate(Protocol.HEADER, 8);
    private final MemorySegment out = Arena.ofAuto().allocate(Protocol.HEADER, 8);
    private int claimedFd = -1;
    private long claimedIno;

    Connection(KernelServer server, int sock, ClientProcess process) {
        this.server = server;
        this.kernel = server.kernel();
        this.sock = sock;
        this.process = process;
    }

    /** The connection whose request the calling thread is serving (for callbacks into the client). */
    static Connection current() {
        Connection c = CURRENT.get();
        if (c == null) {
            throw new ErrnoException(Errno.EINVAL, null, "no client request on this thread");
        }
        return c;
    }

    /**
     * The client thread the calling thread serves, 0 if none; a tid that is not of the connection's
     * process (a lie in the hello) is not used.
     */
    static int callingTid() {
        Connection c = CURRENT.get();
        if (c == null || c.tid <= 0) {
            return 0;
        }
        return java.nio.file.Files.exists(java.nio.file.Path.of("/proc/" + c.process.pid + "/task/" + c.tid))
                ? c.tid
                : 0;
    }

    /** The process whose request the calling thread serves. */
    static io.jvfio.emulator.Task currentTask() {
        return current().process.task;
    }

    @Override
    public void run() {
        CURRENT.set(this);
        try {
            while (HostSyscalls.receive(sock, in)) {
                int length = Protocol.length(in);
                if (length < 0 || length > Protocol.MAX_PAYLOAD) {
                    LOG.warning("client " + process.pid + ": payload of " + length + " bytes; dropping the connection");
                    return;
                }
                MemorySegment payload = receivePayload(length);
                serve(Protocol.op(in), payload);
            }
        } catch (ErrnoException e) {
            // the client went away in the middle of a message
        } finally {
            CURRENT.remove();
            // The process may live on without this thread: its pidfd tells when it exits.
            NativeKernel.instance().close(sock);
        }
    }

    private MemorySegment receivePayload(int length) {
        if (length == 0) {
            return MemorySegment.NULL;
        }
        MemorySegment p = Arena.ofAuto().allocate(length, 8);
        if (!HostSyscalls.receive(sock, p)) {
            throw new ErrnoException(Errno.EPIPE);
        }
        return p;
    }

    private void serve(int op, MemorySegment payload) {
        long a0 = Protocol.arg(in, 0);
        long a1 = Protocol.arg(in, 1);
        long a2 = Protocol.arg(in, 2);
        long a3 = Protocol.arg(in, 3);
        long a4 = Protocol.arg(in, 4);
        Connection.Reply reply;
        try {
            reply = kernel.callAs(process.task, () -> switch (op) {
                case Protocol.OP_HELLO -> {
                    tid = (int) a1;
                    if ((a2 & Protocol.HELLO_MMIO) != 0) {
                        process.space.emulatesMmio();
                    }
                    if (a3 > 0) {
                        server.forked(process, (int) a3);
                    }
                    yield Reply.of(0, server.ownedPrefixes());
                }
                case Protocol.OP_OPEN -> server.paths().open(string(payload), (int) a0);
                case Protocol.OP_CLOSED -> {
                    server.reaper().closed(a1);
                    yield Reply.of(0);
                }
                case Protocol.OP_IOCTL -> claiming((int) a0, a3, () -> Reply.of(kernel.ioctl((int) a0, a1, a2)));
                case Protocol.OP_READ ->
                    settling((int) a0, () -> Reply.of(read((int) a0, a2, a3 != 0, buffer(a4, a1))));
                case Protocol.OP_WRITE ->
                    settling((int) a0, () -> Reply.of(write((int) a0, a2, a3 != 0, buffer(a4, a1))));
                case Protocol.OP_READV ->
                    settling((int) a0, () -> Reply.of(vectored((int) a0, a1, a2, a3, a4 != 0, false)));
                case Protocol.OP_WRITEV ->
                    settling((int) a0, () -> Reply.of(vectored((int) a0, a1, a2, a3, a4 != 0, true)));
                case Protocol.OP_FCNTL -> Reply.of(kernel.fcntl((int) a0, (int) a1, a2));
                case Protocol.OP_MMAP ->
                    Reply.of(kernel.mmap(a1, (int) a2, (int) a3, (int) a0, a4).address());
                case Protocol.OP_MUNMAP -> {
                    process.space.unmapped(a0, a1);
                    yield Reply.of(0);
                }
                case Protocol.OP_STAT -> server.paths().stat(string(payload), a0 == 0);
                case Protocol.OP_FSTAT ->
                    claiming((int) a0, a1, () -> {
                        FileStat s = kernel.fstat((int) a0);
                        return Reply.values(0, s.mode(), s.rdev(), s.size());
                    });
                case Protocol.OP_READLINK -> server.paths().readlink(string(payload));
                case Protocol.OP_LISTDIR -> server.paths().list(string(payload));
                case Protocol.OP_MMIO -> Reply.of(0, mmio(a0, payload));
                case Protocol.OP_SYNC -> {
                    server.reaper().sync();
                    yield Reply.of(0);
                }
                default -> throw new ErrnoException(Errno.ENOSYS, null, "unknown request " + op);
            });
        } catch (ErrnoException e) {
            reply = Reply.of(-e.errno().number());
        } catch (RuntimeException | Error e) {
            // A bug of the emulation: the client sees EIO, the server keeps serving.
            LOG.log(Level.SEVERE, "request " + op + " of client " + process.pid, e);
            reply = Reply.of(-Errno.EIO.number());
        }
        send(reply.kind, reply.payload, -1, reply.values);
    }

    /** Runs a request on {@code fd} that the client says is inode {@code ino} (see {@link ClientFiles#get}). */
    private Reply claiming(int fd, long ino, Supplier<Reply> body) {
        claimedFd = fd;
        claimedIno = ino;
        try {
            return body.get();
        } finally {
            claimedFd = -1;
        }
    }

    /** The inode the client says {@code fd} has, for the request this thread serves; 0 if it said none. */
    static long claimedIno(int fd) {
        Connection c = CURRENT.get();
        return c != null && c.claimedFd == fd ? c.claimedIno : 0;
    }

    /** A read or write, after which the file's readiness (an event queue drained) may have changed. */
    private Reply settling(int fd, Supplier<Reply> body) {
        try {
            return body.get();
        } finally {
            settle(fd);
        }
    }

    /** After an operation on a placeholder's file: its readiness byte follows the file's state. */
    private void settle(int fd) {
        Placeholder p = server.placeholderOf(process, fd);
        if (p != null) {
            p.settle(() -> callback(Protocol.DRAIN, -1, fd));
        }
    }

    /** UIO_MAXIOV: the most segments one readv or writev takes. */
    private static final long UIO_MAXIOV = 1024;
    /** MAX_RW_COUNT: what the segments of one call are cut to in all. */
    private static final long MAX_RW_COUNT = Integer.MAX_VALUE & -Linux.PAGE_SIZE;

    /** One user buffer as segments: address, length. */
    private static long[] buffer(long address, long count) {
        return new long[] {address, Math.max(count, 0)};
    }

    private static long total(long[] segments) {
        long n = 0;
        for (int i = 1; i < segments.length; i += 2) {
            n += segments[i];
        }
        return n;
    }

    /**
     * read(2) into the client's buffer segments (address, length pairs): checked writable first
     * (EFAULT, with nothing consumed from the file, as the kernel's copy_to_user failing leaves an
     * event queue), then filled from the file through a buffer of ours. At most {@link
     * Protocol#MAX_IO} bytes a call.
     */
    private long read(int fd, long offset, boolean positional, long[] segments) {
        long n = Math.min(total(segments), Protocol.MAX_IO);
        long left = n;
        for (int i = 0; i < segments.length && left > 0; i += 2) {
            long part = Math.min(segments[i + 1], left);
            if (part > 0) {
                PhysicalPages.resolve(process.space, segments[i], part, true);
            }
            left -= part;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment local = a.allocate(Math.max(n, 1), 8).asSlice(0, n);
            long got = positional ? kernel.pread(fd, local, offset) : kernel.read(fd, local);
            long done = 0;
            for (int i = 0; i < segments.length && done < got; i += 2) {
                long part = Math.min(segments[i + 1], got - done);
                process.space.copyOut(local.asSlice(done, part), segments[i], part);
                done += part;
            }
            return got;
        }
    }

    /** write(2) from the client's buffer segments (EFAULT if one cannot be read). */
    private long write(int fd, long offset, boolean positional, long[] segments) {
        long n = Math.min(total(segments), Protocol.MAX_IO);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment local = a.allocate(Math.max(n, 1), 8).asSlice(0, n);
            long done = 0;
            for (int i = 0; i < segments.length && done < n; i += 2) {
                long part = Math.min(segments[i + 1], n - done);
                process.space.copyIn(segments[i], local.asSlice(done, part), part);
                done += part;
            }
            return positional ? kernel.pwrite(fd, local, offset) : kernel.write(fd, local);
        }
    }

    /**
     * readv/writev and preadv/pwritev, as vfs_readv/vfs_writev do them: the iovec array imported
     * (EINVAL for more than UIO_MAXIOV segments or a negative length, EFAULT if it cannot be read,
     * the lengths cut to MAX_RW_COUNT in all), nothing done for none; then one read or write of
     * all segments for a file with read_iter/write_iter, else one per segment until one is short
     * (do_loop_readv_writev), an error after some bytes moved returning those bytes.
     */
    private long vectored(int fd, long iov, long count, long offset, boolean positional, boolean write) {
        long[] segments = iovecs(iov, count);
        if (total(segments) == 0) {
            return 0;
        }
        OpenFile f = kernel.fget(fd);
        boolean iterates;
        try {
            iterates = f.iterates(write);
        } finally {
            f.put();
        }
        if (iterates) {
            return write ? write(fd, offset, positional, segments) : read(fd, offset, positional, segments);
        }
        long done = 0;
        for (int i = 0; i < segments.length; i += 2) {
            long[] one = {segments[i], segments[i + 1]};
            long n;
            try {
                n = write ? write(fd, offset + done, positional, one) : read(fd, offset + done, positional, one);
            } catch (ErrnoException e) {
                if (done == 0) {
                    throw e;
                }
                return done;
            }
            done += n;
            if (n != segments[i + 1] || total(segments) == done) {
                return done;
            }
        }
        return done;
    }

    /** import_iovec: the segments of the client's iovec array at {@code iov}. */
    private long[] iovecs(long iov, long count) {
        if (Long.compareUnsigned(count, UIO_MAXIOV) > 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long[] segments = new long[(int) count * 2];
        if (count > 0) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment local = a.allocate(16 * count, 8);
                process.space.copyIn(iov, local, local.byteSize());
                segments = local.toArray(ValueLayout.JAVA_LONG);
            }
        }
        long total = 0;
        for (int i = 1; i < segments.length; i += 2) {
            if (segments[i] < 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            segments[i] = Math.min(segments[i], MAX_RW_COUNT - total);
            total += segments[i];
        }
        return segments;
    }

    /** A load or store that faulted on an MMIO mapping at {@code address}: the registers after it. */
    private byte[] mmio(long address, MemorySegment payload) {
        if (payload.byteSize() != 8L * MmioFault.GREGS) {
            throw new ErrnoException(
                    Errno.EINVAL, null, "an MMIO fault with " + payload.byteSize() + " bytes of registers");
        }
        long[] gregs = payload.toArray(ValueLayout.JAVA_LONG);
        MmioFault.emulate(process.space, address, gregs);
        return MemorySegment.ofArray(gregs).toArray(ValueLayout.JAVA_BYTE);
    }

    private static String string(MemorySegment payload) {
        if (payload.equals(MemorySegment.NULL)) {
            throw new ErrnoException(Errno.EFAULT, null, "no path");
        }
        return new String(payload.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    // ---- callbacks into the client, while its request runs ------------------------------------

    /** fd_install: the client receives {@code hostFd} and answers with its new fd number. */
    int install(int hostFd, int cloexec) {
        return (int) callback(Protocol.INSTALL, hostFd, cloexec);
    }

    /** Undoes an install: the client closes {@code fd}. */
    void closeFd(int fd) {
        callback(Protocol.CLOSE, -1, fd);
    }

    /** An emulated file's mmap: the client maps {@code hostFd} where its own mmap call asked. */
    long map(int hostFd, long offset, long length, int prot, int flags) {
        return callback(Protocol.MAP, hostFd, length, prot, flags, offset);
    }

    /** An MMIO BAR's mmap: the client maps {@code length} inaccessible bytes where its mmap asked. */
    long mapIo(long length, int flags) {
        return callback(Protocol.MAP_IO, -1, length, flags);
    }

    /** Sends a callback and waits for its {@link Protocol#OP_REPLY}; a negative answer is its errno. */
    private long callback(int kind, int fd, long... values) {
        send(kind, null, fd, values);
        if (!HostSyscalls.receive(sock, in) || Protocol.op(in) != Protocol.OP_REPLY || Protocol.length(in) != 0) {
            throw new ErrnoException(Errno.EPIPE, null, "client broke off a callback");
        }
        long answer = Protocol.arg(in, 0);
        if (answer < 0) {
            Errno e = Errno.orNull((int) -answer);
            throw new ErrnoException(e != null ? e : Errno.EIO);
        }
        return answer;
    }

    private void send(int kind, byte[] payload, int fd, long... values) {
        int length = payload == null ? 0 : payload.length;
        Protocol.set(out, kind, length, values);
        try {
            if (length == 0) {
                HostSyscalls.send(sock, out, fd);
            } else {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment m = a.allocate(Protocol.HEADER + length, 8);
                    MemorySegment.copy(out, 0, m, 0, Protocol.HEADER);
                    MemorySegment.copy(payload, 0, m, ValueLayout.JAVA_BYTE, Protocol.HEADER, length);
                    HostSyscalls.send(sock, m, fd);
                }
            }
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.EPIPE, null, "client gone");
        }
    }

    int pid() {
        return process.pid;
    }

    /** What a request answers: a message kind, its values and payload. */
    record Reply(int kind, long[] values, byte[] payload) {
        static Reply of(long result) {
            return new Reply(Protocol.DONE, new long[] {result}, null);
        }

        static Reply of(long result, byte[] payload) {
            return new Reply(Protocol.DONE, new long[] {result}, payload);
        }

        static Reply of(long result, List<String> strings) {
            StringBuilder sb = new StringBuilder();
            for (String s : strings) {
                sb.append(s).append('\0');
            }
            return of(result, sb.toString().getBytes(StandardCharsets.UTF_8));
        }

        static Reply values(long... values) {
            return new Reply(Protocol.DONE, values, null);
        }

        static Reply pass() {
            return new Reply(Protocol.PASS, new long[] {0}, null);
        }
    }
}
