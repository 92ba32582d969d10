package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.FileStat;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open file of the emulated kernel (the kernel's {@code struct file} plus its
 * {@code file_operations}). Subclasses override the operations they support; the defaults return
 * what the VFS returns for a file without that operation.
 *
 * <p>A file is reference counted: every fd that refers to it holds one reference, and kernel
 * objects may hold more ({@link #get}/{@link #put}, like {@code fget}/{@code fput}). {@link
 * #release} runs once, when the last reference is dropped.
 */
public abstract class OpenFile {
    private final AtomicInteger refs = new AtomicInteger(1);
    private final WaitQueue waitQueue = new WaitQueue();
    /** What F_SETFL changes (setfl's SETFL_MASK; O_NDELAY is O_NONBLOCK on x86). */
    private static final int SETFL_MASK = Linux.O.APPEND | Linux.O.NONBLOCK | Linux.O.DIRECT | Linux.O.NOATIME;

    private volatile int flags;
    /** The node a path open found ({@code f_inode}); null for a file made by a system call or an ioctl. */
    private volatile DeviceNode inode;

    protected OpenFile(int flags) {
        this.flags = flags;
    }

    /** The file's flags ({@code f_flags}), as F_GETFL reports them. */
    public int flags() {
        return flags;
    }

    /**
     * The flags of a file opened by path, as the open path leaves f_flags: O_LARGEFILE added
     * (force_o_largefile on 64-bit), the flags that only act at open dropped.
     */
    final void openedWith(int openFlags, DeviceNode node) {
        inode = node;
        flags = (openFlags | Linux.O.LARGEFILE)
                & ~(Linux.O.CREAT | Linux.O.EXCL | Linux.O.NOCTTY | Linux.O.TRUNC | Linux.O.CLOEXEC);
    }

    /**
     * fcntl F_SETFL (setfl): O_APPEND, O_NONBLOCK, O_DIRECT and O_NOATIME from {@code arg}, the
     * rest kept. O_DIRECT is EINVAL: no emulated file can do direct I/O (no FMODE_CAN_ODIRECT). No
     * emulated file is append-only or has fasync, and the emulated user may set O_NOATIME.
     */
    final void setfl(int arg) {
        if ((arg & Linux.O.DIRECT) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        flags = (arg & SETFL_MASK) | (flags & ~SETFL_MASK);
    }

    /**
     * Whether readv/writev ({@code write} false/true) reach this file as one read or write of all
     * their segments, as for a file with read_iter/write_iter (kernfs, procfs's seq files,
     * /dev/null, pipes), rather than one call per segment until one is short (do_loop_readv_writev:
     * files with only read and write, as vfio's and iommufd's, the default).
     */
    public boolean iterates(boolean write) {
        return false;
    }

    /** An anonymous inode's attributes (anon_inode_getfile): mode 0600 without a file type, size 0. */
    protected static final FileStat ANON_INODE = new FileStat(0600, 0, 0);

    /**
     * fstat(2) of this file (vfs_getattr): the node's for a file opened by path, else an anonymous
     * inode's, which the files that are not anonymous (memfd, pipes, dma-buf) override.
     */
    public FileStat getattr() {
        DeviceNode node = inode;
        return node != null ? node.getattr() : ANON_INODE;
    }

    /** Whether O_NONBLOCK is set: a read or write that would wait is EAGAIN instead. */
    protected final boolean nonblocking() {
        return (flags & Linux.O.NONBLOCK) != 0;
    }

    /** Woken whenever {@link #poll} could return something new. */
    public final WaitQueue waitQueue() {
        return waitQueue;
    }

    /** ioctl(2); {@code arg} is the raw argument (a user address or an integer). */
    public long ioctl(long request, long arg) {
        throw new ErrnoException(Errno.ENOTTY);
    }

    /** read(2) at the file position. */
    public long read(MemorySegment buf) {
        throw new ErrnoException(Errno.EINVAL);
    }

    /** write(2) at the file position. */
    public long write(MemorySegment buf) {
        throw new ErrnoException(Errno.EINVAL);
    }

    public long pread(MemorySegment buf, long offset) {
        throw new ErrnoException(Errno.ESPIPE);
    }

    public long pwrite(MemorySegment buf, long offset) {
        throw new ErrnoException(Errno.ESPIPE);
    }

    /** mmap(2) of this file. */
    public MemorySegment mmap(long length, int prot, int mapFlags, long offset) {
        throw new ErrnoException(Errno.ENODEV);
    }

    /** ftruncate(2). */
    public void truncate(long length) {
        throw new ErrnoException(Errno.EINVAL);
    }

    /** The ready events now (POLLIN, POLLOUT, ...); files without poll are always readable and writable. */
    public short poll() {
        return (short) (Linux.Poll.IN | Linux.Poll.OUT);
    }

    /** Called once, when the last reference goes away. */
    protected void release() {}

    /** fget: takes another reference. */
    public final OpenFile get() {
        int r;
        do {
            r = refs.get();
            if (r <= 0) {
                throw new IllegalStateException("file already released");
            }
        } while (!refs.compareAndSet(r, r + 1));
        return this;
    }

    /**
     * get_file_rcu: takes another reference unless the file is already released (a lookup that
     * raced the last fput); false then.
     */
    final boolean tryGet() {
        int r;
        do {
            r = refs.get();
            if (r <= 0) {
                return false;
            }
        } while (!refs.compareAndSet(r, r + 1));
        return true;
    }

    /** fput: drops a reference, releasing the file after the last. */
    public final void put() {
        int r = refs.decrementAndGet();
        if (r == 0) {
            release();
        } else if (r < 0) {
            throw new IllegalStateException("file reference count underflow");
        }
    }
}
