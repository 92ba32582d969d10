package io.jvfio.server;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.FileStat;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.PollFd;
import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import io.jvfio.kernel.nativeimpl.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The "served" backend: this JVM as a client of a running kernel server ({@code jvfio serve}),
 * speaking the preload library's protocol itself, so every Java front end (ls, demo, the
 * conformance suite) can look at and drive the kernel that C programs share. Emulated files are
 * placeholder fds of this process, as in a C client; host files (eventfds, memfds, pipes) are
 * this process's own, which the server takes with pidfd_getfd where an ioctl names them.
 */
final class ServedKernel implements Kernel {
    private static final NativeKernel HOST = NativeKernel.instance();

    private final String socket;
    private final List<String> prefixes;
    private final Set<Integer> placeholders = ConcurrentHashMap.newKeySet();
    /** Mappings of emulated files: start to end, so a munmap of any part of them reaches the server. */
    private final TreeMap<Long, Long> mappings = new TreeMap<>();

    private final ThreadLocal<Channel> channels = new ThreadLocal<>();

    ServedKernel(String socket, List<String> prefixes) {
        this.socket = socket;
        this.prefixes = prefixes;
    }

    @Override
    public String name() {
        return "served";
    }

    private boolean served(String path) {
        for (String p : prefixes) {
            if (path.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private boolean emulated(int fd) {
        return placeholders.contains(fd);
    }

    private Channel channel() {
        Channel c = channels.get();
        if (c == null) {
            c = new Channel(HostSyscalls.connectUnix(socket));
            channels.set(c);
            c.call(Protocol.OP_HELLO, null, Protocol.VERSION, 0);
        }
        return c;
    }

    @Override
    public int open(String path, int flags) {
        if (!served(path)) {
            return HOST.open(path, flags);
        }
        Reply r = channel().call(Protocol.OP_OPEN, bytes(path), flags, 0);
        return r.passed ? HOST.open(path, flags) : (int) r.check("open(" + path + ")");
    }

    @Override
    public void close(int fd) {
        long ino = emulated(fd) ? HostSyscalls.fstat(fd).ino() : -1;
        HOST.close(fd);
        if (ino >= 0) {
            placeholders.remove(fd);
            channel().call(Protocol.OP_CLOSED, null, 0, ino);
        }
    }

    @Override
    public long ioctl(int fd, long request, MemorySegment arg) {
        return ioctl(fd, request, arg.address());
    }

    @Override
    public long ioctl(int fd, long request, long arg) {
        if (!emulated(fd)) {
            return HOST.ioctl(fd, request, arg);
        }
        return channel().call(Protocol.OP_IOCTL, null, fd, request, arg).check("ioctl");
    }

    /** The server moves the data from or to {@code buf} itself (process_vm_readv/writev on us). */
    private long read(int fd, MemorySegment buf, long offset, boolean positional) {
        MemorySegment b = staged(buf);
        long got = channel()
                .call(Protocol.OP_READ, null, fd, b.byteSize(), offset, positional ? 1 : 0, b.address())
                .check("read(" + fd + ")");
        if (!buf.isNative()) {
            MemorySegment.copy(b, 0, buf, 0, got);
        }
        return got;
    }

    private long write(int fd, MemorySegment buf, long offset, boolean positional) {
        MemorySegment b = staged(buf);
        if (!buf.isNative()) {
            MemorySegment.copy(buf, 0, b, 0, buf.byteSize());
        }
        return channel()
                .call(Protocol.OP_WRITE, null, fd, b.byteSize(), offset, positional ? 1 : 0, b.address())
                .check("write(" + fd + ")");
    }

    /** A heap segment has no address the server can reach: native memory stands in for it. */
    private static MemorySegment staged(MemorySegment buf) {
        return buf.isNative()
                ? buf
                : Arena.ofAuto().allocate(Math.max(1, buf.byteSize()), 8).asSlice(0, buf.byteSize());
    }

    @Override
    public long read(int fd, MemorySegment buf) {
        return emulated(fd) ? read(fd, buf, 0, false) : HOST.read(fd, buf);
    }

    @Override
    public long write(int fd, MemorySegment buf) {
        return emulated(fd) ? write(fd, buf, 0, false) : HOST.write(fd, buf);
    }

    @Override
    public long pread(int fd, MemorySegment buf, long offset) {
        return emulated(fd) ? read(fd, buf, offset, true) : HOST.pread(fd, buf, offset);
    }

    @Override
    public long pwrite(int fd, MemorySegment buf, long offset) {
        return emulated(fd) ? write(fd, buf, offset, true) : HOST.pwrite(fd, buf, offset);
    }

    @Override
    public MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        if ((flags & Linux.Map.ANONYMOUS) != 0 || !emulated(fd)) {
            return HOST.mmap(length, prot, flags, fd, offset);
        }
        long address = channel()
                .call(Protocol.OP_MMAP, null, fd, length, prot, flags, offset, 0)
                .check("mmap(fd " + fd + ")");
        synchronized (mappings) {
            mappings.put(address, address + length);
        }
        return NativeMemory.at(address, length);
    }

    @Override
    public void munmap(MemorySegment mapping) {
        HOST.munmap(mapping);
        long start = mapping.address();
        long end = start + mapping.byteSize();
        boolean ours = false;
        synchronized (mappings) {
            var it = mappings.headMap(end, false).entrySet().iterator();
            while (it.hasNext()) {
                var m = it.next();
                if (m.getValue() > start) {
                    ours = true;
                    if (start <= m.getKey() && m.getValue() <= end) {
                        it.remove();
                    }
                }
            }
        }
        if (ours) {
            channel().call(Protocol.OP_MUNMAP, null, mapping.address(), mapping.byteSize());
        }
    }

    @Override
    public short[] poll(List<PollFd> fds, int timeoutMillis) {
        return HOST.poll(fds, timeoutMillis); // a placeholder is readable exactly when its file is
    }

    @Override
    public int eventfd(int initval, int flags) {
        return HOST.eventfd(initval, flags);
    }

    @Override
    public int[] pipe(int flags) {
        return HOST.pipe(flags);
    }

    @Override
    public int memfd(String name, int flags) {
        return HOST.memfd(name, flags);
    }

    @Override
    public void ftruncate(int fd, long length) {
        HOST.ftruncate(fd, length);
    }

    @Override
    public FileStat fstat(int fd) {
        if (!emulated(fd)) {
            return HOST.fstat(fd);
        }
        Reply r = channel()
                .call(Protocol.OP_FSTAT, null, fd, HostSyscalls.fstat(fd).ino());
        r.check("fstat(" + fd + ")");
        return new FileStat((int) r.values[0], r.values[1], r.values[2]);
    }

    @Override
    public List<String> listDirectory(String path) {
        if (!served(path)) {
            return HOST.listDirectory(path);
        }
        Reply r = channel().call(Protocol.OP_LISTDIR, bytes(path));
        if (r.passed) {
            return HOST.listDirectory(path);
        }
        r.check("opendir(" + path + ")");
        List<String> names = new ArrayList<>();
        int i = 0;
        while (i < r.payload.length) {
            int end = i + 1;
            while (r.payload[end] != 0) {
                end++;
            }
            names.add(new String(r.payload, i + 1, end - i - 1, StandardCharsets.UTF_8));
            i = end + 1;
        }
        names.sort(null);
        return names;
    }

    @Override
    public String readlink(String path) {
        if (!served(path)) {
            return HOST.readlink(path);
        }
        Reply r = channel().call(Protocol.OP_READLINK, bytes(path));
        if (r.passed) {
            return HOST.readlink(path);
        }
        r.check("readlink(" + path + ")");
        return new String(r.payload, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A request's answer: DONE's result, its values r1..r3 and payload, or PASS. */
    private record Reply(boolean passed, long result, long[] values, byte[] payload) {
        long check(String call) {
            if (result < 0 && result > -4096) {
                Errno e = Errno.orNull((int) -result);
                throw new ErrnoException(e != null ? e : Errno.EIO, call);
            }
            return result;
        }
    }

    /** One thread's connection, and the callbacks the server makes while a request runs. */
    private final class Channel {
        private final int sock;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment header = arena.allocate(Protocol.HEADER, 8);
        /** The mmap whose MAP callback is awaited: its arguments, as the program's own call. */
        private long mapLength;

        Channel(int sock) {
            this.sock = sock;
        }

        Reply call(int op, byte[] payload, long... args) {
            if (op == Protocol.OP_MMAP) {
                mapLength = args[1];
            }
            int length = payload == null ? 0 : payload.length;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment m = a.allocate(Protocol.HEADER + length, 8);
                m.set(ValueLayout.JAVA_INT, 0, op);
                m.set(ValueLayout.JAVA_INT, 4, length);
                for (int i = 0; i < args.length; i++) {
                    m.set(ValueLayout.JAVA_LONG, 8 + 8L * i, args[i]);
                }
                if (length > 0) {
                    MemorySegment.copy(payload, 0, m, ValueLayout.JAVA_BYTE, Protocol.HEADER, length);
                }
                HostSyscalls.send(sock, m, -1);
            }
            while (true) {
                int fd = HostSyscalls.receiveWithFd(sock, header);
                int kind = header.get(ValueLayout.JAVA_INT, 0);
                int len = header.get(ValueLayout.JAVA_INT, 4);
                long r0 = header.get(ValueLayout.JAVA_LONG, 8);
                if (kind == Protocol.DONE || kind == Protocol.PASS) {
                    byte[] data = new byte[len];
                    if (len > 0) {
                        try (Arena a = Arena.ofConfined()) {
                            MemorySegment p = a.allocate(len);
                            HostSyscalls.receive(sock, p);
                            MemorySegment.copy(p, ValueLayout.JAVA_BYTE, 0, data, 0, len);
                        }
                    }
                    long[] values = {
                        header.get(ValueLayout.JAVA_LONG, 16),
                        header.get(ValueLayout.JAVA_LONG, 24),
                        header.get(ValueLayout.JAVA_LONG, 32)
                    };
                    return new Reply(kind == Protocol.PASS, r0, values, data);
                }
                answer(callback(kind, fd));
            }
        }

        private long callback(int kind, int fd) {
            long r0 = header.get(ValueLayout.JAVA_LONG, 8);
            try {
                return switch (kind) {
                    case Protocol.INSTALL -> {
                        placeholders.add(fd);
                        yield fd;
                    }
                    case Protocol.MAP -> {
                        try {
                            long prot = header.get(ValueLayout.JAVA_LONG, 16);
                            long flags = header.get(ValueLayout.JAVA_LONG, 24);
                            long offset = header.get(ValueLayout.JAVA_LONG, 32);
                            yield HOST.mmap(r0 != 0 ? r0 : mapLength, (int) prot, (int) flags, fd, offset)
                                    .address();
                        } finally {
                            HOST.close(fd);
                        }
                    }
                    case Protocol.CLOSE -> {
                        placeholders.remove((int) r0);
                        HOST.close((int) r0);
                        yield 0;
                    }
                    case Protocol.DRAIN -> {
                        drain((int) r0);
                        yield 0;
                    }
                    default -> throw new ErrnoException(Errno.EINVAL, null, "unknown callback " + kind);
                };
            } catch (ErrnoException e) {
                return -e.errno().number();
            }
        }

        /** Takes the readiness byte off a placeholder whose file stopped being readable. */
        private void drain(int fd) {
            if ((HOST.poll(List.of(new PollFd(fd, Linux.Poll.IN)), 0)[0] & Linux.Poll.IN) != 0) {
                try (Arena a = Arena.ofConfined()) {
                    HOST.read(fd, a.allocate(1));
                }
            }
        }

        private void answer(long value) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment m = a.allocate(Protocol.HEADER, 8);
                m.set(ValueLayout.JAVA_INT, 0, Protocol.OP_REPLY);
                m.set(ValueLayout.JAVA_LONG, 8, value);
                HostSyscalls.send(sock, m, -1);
            }
        }
    }
}
