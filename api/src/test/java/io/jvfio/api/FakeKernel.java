package io.jvfio.api;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.kernel.FileStat;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import io.jvfio.kernel.PollFd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A kernel for encoding tests: device paths open to fake fds (from 10000) whose ioctls a test
 * scripts and records; everything else (eventfd, mmap, poll, read, write) goes to the real kernel.
 */
final class FakeKernel implements Kernel {
    /** A scripted ioctl: may change the argument in place, returns the result or throws. */
    @FunctionalInterface
    interface Handler {
        long ioctl(long request, MemorySegment arg);
    }

    /** One recorded ioctl: the request and the argument's bytes as the API sent them. */
    record Call(int fd, long request, byte[] arg) {
        MemorySegment segment() {
            return MemorySegment.ofArray(arg);
        }
    }

    private final Kernel real = KernelProvider.named("native").open();
    private final List<Call> calls = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final Map<String, List<String>> directories = new HashMap<>();
    private final Map<String, String> links = new HashMap<>();
    private final Map<Long, Byte> fileBytes = new HashMap<>();
    private Handler handler = (request, arg) -> 0;
    private int nextFd = 10000;

    void onIoctl(Handler h) {
        handler = h;
    }

    void directory(String path, List<String> names) {
        directories.put(path, names);
    }

    void link(String path, String target) {
        links.put(path, target);
    }

    List<Call> calls() {
        return calls;
    }

    /** "open PATH = FD" and "close FD", in order. */
    List<String> events() {
        return events;
    }

    private static boolean fake(int fd) {
        return fd >= 10000;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public int open(String path, int flags) {
        int fd = nextFd++;
        events.add("open " + path + " = " + fd);
        return fd;
    }

    @Override
    public void close(int fd) {
        if (fake(fd)) {
            events.add("close " + fd);
        } else {
            real.close(fd);
        }
    }

    @Override
    public long ioctl(int fd, long request, MemorySegment arg) {
        byte[] bytes = arg.toArray(ValueLayout.JAVA_BYTE);
        calls.add(new Call(fd, request, bytes));
        return handler.ioctl(request, arg);
    }

    @Override
    public long ioctl(int fd, long request, long arg) {
        calls.add(new Call(fd, request, new byte[0]));
        return handler.ioctl(request, MemorySegment.NULL);
    }

    @Override
    public long read(int fd, MemorySegment buf) {
        return real.read(fd, buf);
    }

    @Override
    public long write(int fd, MemorySegment buf) {
        return real.write(fd, buf);
    }

    /** The bytes of every fake fd, one sparse file shared by all (tests use one device). */
    byte fileByte(long offset) {
        return fileBytes.getOrDefault(offset, (byte) 0);
    }

    @Override
    public long pread(int fd, MemorySegment buf, long offset) {
        if (!fake(fd)) {
            return real.pread(fd, buf, offset);
        }
        for (long i = 0; i < buf.byteSize(); i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, fileByte(offset + i));
        }
        return buf.byteSize();
    }

    @Override
    public long pwrite(int fd, MemorySegment buf, long offset) {
        if (!fake(fd)) {
            return real.pwrite(fd, buf, offset);
        }
        events.add("pwrite " + buf.byteSize() + " at " + Long.toHexString(offset));
        for (long i = 0; i < buf.byteSize(); i++) {
            fileBytes.put(offset + i, buf.get(ValueLayout.JAVA_BYTE, i));
        }
        return buf.byteSize();
    }

    @Override
    public MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        return real.mmap(length, prot, flags, fd, offset);
    }

    @Override
    public void munmap(MemorySegment mapping) {
        events.add("munmap " + mapping.byteSize());
        real.munmap(mapping);
    }

    @Override
    public short[] poll(List<PollFd> fds, int timeoutMillis) {
        return real.poll(fds, timeoutMillis);
    }

    @Override
    public int eventfd(int initval, int flags) {
        return real.eventfd(initval, flags);
    }

    @Override
    public int[] pipe(int flags) {
        return real.pipe(flags);
    }

    @Override
    public int memfd(String name, int flags) {
        return real.memfd(name, flags);
    }

    @Override
    public void ftruncate(int fd, long length) {
        real.ftruncate(fd, length);
    }

    @Override
    public FileStat fstat(int fd) {
        return real.fstat(fd);
    }

    @Override
    public List<String> listDirectory(String path) {
        List<String> names = directories.get(path);
        if (names == null) {
            throw new ErrnoException(Errno.ENOENT, "opendir(" + path + ")");
        }
        return names;
    }

    @Override
    public String readlink(String path) {
        String target = links.get(path);
        if (target == null) {
            throw new ErrnoException(Errno.ENOENT, "readlink(" + path + ")");
        }
        return target;
    }
}
