package io.jvfio.kernel;

import io.jvfio.abi.ErrnoException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The kernel boundary: the system calls a VFIO/iommufd program makes, with the kernel's binary
 * structs and errno. Everything above it (typed API, CLI, conformance tests) is written once against
 * this interface and runs on either backend: the emulated kernel in this JVM, or the real kernel
 * through FFM.
 *
 * <p>Every method throws {@link ErrnoException} (carrying the errno and the failing call) where the
 * system call would return -1. Flag values are Linux's ({@link io.jvfio.abi.Linux}).
 *
 * <p>Memory passed in ({@code ioctl} arguments, pointers inside structs, read/write buffers) is
 * addressed by its native address, as the kernel sees it: user memory is real process memory on both
 * backends.
 */
public interface Kernel {
    /** "emulated" or "native". */
    String name();

    /** open(2); returns the new fd. */
    int open(String path, int flags);

    /** close(2). */
    void close(int fd);

    /** ioctl(2) with a pointer argument ({@link MemorySegment#NULL} passes NULL); returns its result. */
    long ioctl(int fd, long request, MemorySegment arg);

    /** ioctl(2) with an integer argument (for example VFIO_CHECK_EXTENSION's extension number). */
    long ioctl(int fd, long request, long arg);

    /** read(2) into {@code buf}; returns the byte count (0 at end of file). */
    long read(int fd, MemorySegment buf);

    /** write(2) from {@code buf}; returns the byte count. */
    long write(int fd, MemorySegment buf);

    /** pread(2). */
    long pread(int fd, MemorySegment buf, long offset);

    /** pwrite(2). */
    long pwrite(int fd, MemorySegment buf, long offset);

    /** mmap(2) at an address the kernel picks; the segment spans {@code length} bytes. */
    MemorySegment mmap(long length, int prot, int flags, int fd, long offset);

    /** munmap(2) of a whole segment returned by {@link #mmap}, or any page-aligned part of it. */
    void munmap(MemorySegment mapping);

    /**
     * poll(2): waits up to {@code timeoutMillis} (negative: forever) for any of {@code fds}; returns
     * each fd's revents in order (all zero on time-out).
     */
    short[] poll(List<PollFd> fds, int timeoutMillis);

    /** eventfd(2); returns the fd. */
    int eventfd(int initval, int flags);

    /** pipe2(2); returns {read end, write end}. */
    int[] pipe(int flags);

    /** memfd_create(2); returns the fd. */
    int memfd(String name, int flags);

    /** ftruncate(2). */
    void ftruncate(int fd, long length);

    /** fstat(2): the open file's type, permissions, device number and size. */
    FileStat fstat(int fd);

    /** The names in a directory, sorted, without "." and "..": getdents64(2) on an O_DIRECTORY fd. */
    List<String> listDirectory(String path);

    /** readlink(2): the target of a symbolic link, as stored. */
    String readlink(String path);
}
