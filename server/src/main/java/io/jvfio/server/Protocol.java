package io.jvfio.server;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The wire protocol between the preload library (preload/jvfio-preload.c, which has the same
 * numbers) and the server, on one AF_UNIX stream connection per client thread. Both sides are the
 * same machine, so integers are native (little-endian x86-64).
 *
 * <pre>
 * request  (client to server): u32 op;   u32 len; i64 a[7];  then len payload bytes   (64 + len)
 * message  (server to client): u32 kind; u32 len; i64 r[7];  then len payload bytes   (64 + len)
 * </pre>
 *
 * A request is answered by exactly one {@link #DONE} (r[0]: the result, or -errno), or {@link
 * #PASS} when the path is not the emulated kernel's, so the client makes the real call. Before
 * that, the server may call back into the client while the request runs, each callback answered by
 * one request: {@link #INSTALL} carries a placeholder fd (SCM_RIGHTS) to put into the client's fd
 * table (answered by {@link #OP_REPLY} with the new fd number), {@link #MAP} a host fd to mmap
 * (answered with the address), {@link #MAP_IO} an inaccessible mapping whose faults the client
 * sends back as {@link #OP_MMIO}, {@link #CLOSE} undoes an install, {@link #DRAIN} takes the
 * readiness byte off a placeholder that stopped being readable.
 */
final class Protocol {
    static final int HEADER = 64;
    static final int VERSION = 1;
    /** The largest payload either side sends (bigger reads and writes are cut to it). */
    static final int MAX_PAYLOAD = 1 << 20;
    /** The most bytes one read or write moves (a longer one returns short, as reads may). */
    static final long MAX_IO = 16L << 20;

    // requests
    // a0 version, a1 the thread's tid, a2 features (HELLO_*), a3 the pid of an ancestor whose
    // memory this process was forked from (0: none known); reply payload: the owned path
    // prefixes, NUL-separated
    static final int OP_HELLO = 1;
    /** Hello feature: the client emulates loads and stores that fault on a {@link #MAP_IO} mapping. */
    static final long HELLO_MMIO = 1;

    static final int OP_OPEN = 2; // a0 flags, a1 mode; payload path
    static final int OP_CLOSED = 3; // a0 dev, a1 ino: the client closed a placeholder
    // a0 fd, a1 request, a2 arg, a3 the fd's inode as the client sees it (0: unknown): only a hint,
    // see ClientFiles#get
    static final int OP_IOCTL = 4;
    static final int OP_READ = 5; // a0 fd, a1 count, a2 offset, a3 1 for pread, a4 the buffer (filled by the server)
    static final int OP_WRITE = 6; // a0 fd, a1 count, a2 offset, a3 1 for pwrite, a4 the buffer (read by the server)
    static final int OP_MMAP = 7; // a0 fd, a1 length, a2 prot, a3 flags, a4 offset, a5 address hint
    static final int OP_MUNMAP = 8; // a0 address, a1 length (after the client's own munmap)
    static final int OP_STAT = 9; // a0 1 for lstat; payload path; reply r1 mode, r2 rdev, r3 size
    static final int OP_READLINK = 10; // payload path; reply payload target
    static final int OP_LISTDIR = 11; // payload path; reply payload: per entry a d_type byte, the name, NUL
    static final int OP_SYNC = 12; // wait until every closed placeholder and exited process is released
    static final int OP_REPLY = 13; // a0: the answer to a callback
    static final int OP_FCNTL = 14; // a0 fd, a1 cmd (F_GETFL or F_SETFL), a2 arg
    // a0 the fault address; payload: the faulting thread's registers (MmioFault.GREGS i64, as in its
    // ucontext); reply payload: the registers after the access (see MmioFault for the errors)
    static final int OP_MMIO = 15;
    // a0 fd, a1 the iovec array, a2 its count, a3 offset, a4 1 for preadv/pwritev
    static final int OP_READV = 16;
    static final int OP_WRITEV = 17;
    // a0 fd, a1 its inode as the client sees it (a hint, as for OP_IOCTL); reply r1 mode, r2 rdev, r3 size
    static final int OP_FSTAT = 18;

    // messages
    static final int DONE = 1;
    static final int PASS = 2;
    static final int INSTALL = 3; // r0 fd flags (O_CLOEXEC); the fd rides along
    static final int MAP = 4; // r0 length, r1 prot, r2 flags, r3 offset, r4 hint; the fd rides along
    static final int CLOSE = 5; // r0 fd number
    static final int DRAIN = 6; // r0 fd number
    // r0 length, r1 mmap flags (MAP_FIXED honoured): map that much inaccessible memory where the
    // client's mmap asked, for an MMIO BAR whose accesses fault to us
    static final int MAP_IO = 7;

    private Protocol() {}

    static int op(MemorySegment header) {
        return header.get(ValueLayout.JAVA_INT, 0);
    }

    static int length(MemorySegment header) {
        return header.get(ValueLayout.JAVA_INT, 4);
    }

    static long arg(MemorySegment header, int i) {
        return header.get(ValueLayout.JAVA_LONG, 8 + 8L * i);
    }

    static void set(MemorySegment header, int kind, int length, long... values) {
        header.fill((byte) 0);
        header.set(ValueLayout.JAVA_INT, 0, kind);
        header.set(ValueLayout.JAVA_INT, 4, length);
        for (int i = 0; i < values.length; i++) {
            header.set(ValueLayout.JAVA_LONG, 8 + 8L * i, values[i]);
        }
    }
}
