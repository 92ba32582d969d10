package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.FileStat;
import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * memfd_create(2), backed by a real memfd of this process so its pages are real shmem memory:
 * mmap gives real mappings, and iommufd MAP_FILE pins real pages. The emulated file keeps its own
 * position and size (the size decides whether a pin lies beyond EOF).
 */
public final class MemFdFile extends OpenFile {
    private final int hostFd;
    /** A served client's own memfd: it changes the size itself, so the size is asked of the host. */
    private final boolean foreign;

    private long position;
    private long size;
    private PhysicalPages.Inode inode;

    MemFdFile(String name, int flags) {
        super(Linux.O.RDWR);
        this.hostFd = NativeKernel.instance().memfd(name, flags);
        this.foreign = false;
    }

    private MemFdFile(int hostFd) {
        super(Linux.O.RDWR);
        this.hostFd = hostFd;
        this.foreign = true;
    }

    /**
     * A served client's memfd (or other shmem file), by a host fd of ours referring to it: the
     * file takes the fd over and closes it on release.
     */
    public static MemFdFile ofHost(int hostFd) {
        return new MemFdFile(hostFd);
    }

    /** The host fd of the backing memfd (for kernel code that maps the file's pages). */
    public int hostFd() {
        return hostFd;
    }

    /** The shmem inode behind the file: how pins name its pages ({@link PhysicalPages}). */
    public synchronized PhysicalPages.Inode inode() {
        if (inode == null) {
            try {
                Map<String, Object> st = Files.readAttributes(Path.of("/proc/self/fd/" + hostFd), "unix:dev,ino");
                long dev = (Long) st.get("dev");
                // glibc's dev_t: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31.
                long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
                long minor = (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
                inode = new PhysicalPages.Inode(major << 32 | minor, (Long) st.get("ino"));
            } catch (IOException e) {
                throw new ErrnoException(Errno.EIO, null, "cannot stat memfd: " + e.getMessage());
            }
        }
        return inode;
    }

    /** A shmem file: regular, 0777 as memfd_create makes it, its size. */
    @Override
    public FileStat getattr() {
        return new FileStat(FileStat.S_IFREG | 0777, 0, size());
    }

    /** The file size (i_size). */
    public synchronized long size() {
        return foreign ? HostSyscalls.fstat(hostFd).size() : size;
    }

    @Override
    public synchronized long read(MemorySegment buf) {
        long n = NativeKernel.instance().pread(hostFd, buf, position);
        position += n;
        return n;
    }

    @Override
    public synchronized long write(MemorySegment buf) {
        long n = pwrite(buf, position);
        position += n;
        return n;
    }

    @Override
    public long pread(MemorySegment buf, long offset) {
        return NativeKernel.instance().pread(hostFd, buf, offset);
    }

    @Override
    public synchronized long pwrite(MemorySegment buf, long offset) {
        long n = NativeKernel.instance().pwrite(hostFd, buf, offset);
        size = Math.max(size, offset + n);
        return n;
    }

    @Override
    public synchronized void truncate(long length) {
        if (length < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        NativeKernel.instance().ftruncate(hostFd, length);
        size = length;
    }

    @Override
    public MemorySegment mmap(long length, int prot, int mapFlags, long offset) {
        return UserMemory.mapFile(hostFd, offset, length, prot, mapFlags);
    }

    @Override
    public short poll() {
        return (short) (Linux.Poll.IN | Linux.Poll.OUT);
    }

    @Override
    protected void release() {
        NativeKernel.instance().close(hostFd);
    }
}
