package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.FileStat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * pipe2(2): a 64 KiB ring shared by a read end and a write end. Reads block while empty and
 * writers remain (0 at end of file); writes block while full and fail with EPIPE once no reader
 * remains; O_NONBLOCK turns blocking into EAGAIN.
 */
final class Pipe {
    private static final int CAPACITY = 64 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final byte[] ring = new byte[CAPACITY];
    private int head;
    private int used;
    private boolean readerOpen = true;
    private boolean writerOpen = true;
    final End readEnd;
    final End writeEnd;

    Pipe(int flags) {
        readEnd = new End(true, flags);
        writeEnd = new End(false, flags);
    }

    private void wakeBoth() {
        changed.signalAll();
    }

    final class End extends OpenFile {
        private final boolean reader;

        End(boolean reader, int flags) {
            super((reader ? Linux.O.RDONLY : Linux.O.WRONLY) | (flags & Linux.O.NONBLOCK));
            this.reader = reader;
        }

        /** pipefs's inode: a FIFO, 0600, size 0. */
        @Override
        public FileStat getattr() {
            return new FileStat(FileStat.S_IFIFO | 0600, 0, 0);
        }

        @Override
        public long read(MemorySegment buf) {
            if (!reader) {
                throw new ErrnoException(Errno.EBADF);
            }
            if (buf.byteSize() == 0) {
                return 0;
            }
            byte[] out;
            lock.lock();
            try {
                while (used == 0) {
                    if (!writerOpen) {
                        return 0;
                    }
                    if (nonblocking()) {
                        throw new ErrnoException(Errno.EAGAIN);
                    }
                    changed.awaitUninterruptibly();
                }
                int n = (int) Math.min(buf.byteSize(), used);
                out = new byte[n];
                for (int i = 0; i < n; i++) {
                    out[i] = ring[(head + i) % CAPACITY];
                }
                head = (head + n) % CAPACITY;
                used -= n;
                wakeBoth();
            } finally {
                lock.unlock();
            }
            writeEnd.waitQueue().wakeUp();
            UserMemory.toSegment(MemorySegment.ofArray(out), buf, out.length);
            return out.length;
        }

        @Override
        public long write(MemorySegment buf) {
            if (reader) {
                throw new ErrnoException(Errno.EBADF);
            }
            long total = buf.byteSize();
            byte[] in = new byte[(int) Math.min(total, Integer.MAX_VALUE - 8)];
            try (Arena a = Arena.ofConfined()) {
                MemorySegment staging = a.allocate(Math.max(1, in.length));
                UserMemory.fromSegment(buf, staging, in.length);
                MemorySegment.copy(staging, 0, MemorySegment.ofArray(in), 0, in.length);
            }
            int written = 0;
            lock.lock();
            try {
                while (written < in.length) {
                    if (!readerOpen) {
                        throw new ErrnoException(Errno.EPIPE);
                    }
                    if (used == CAPACITY) {
                        if (nonblocking()) {
                            if (written > 0) {
                                break;
                            }
                            throw new ErrnoException(Errno.EAGAIN);
                        }
                        changed.awaitUninterruptibly();
                        continue;
                    }
                    int n = Math.min(in.length - written, CAPACITY - used);
                    for (int i = 0; i < n; i++) {
                        ring[(head + used + i) % CAPACITY] = in[written + i];
                    }
                    used += n;
                    written += n;
                    wakeBoth();
                }
            } finally {
                lock.unlock();
            }
            readEnd.waitQueue().wakeUp();
            return written;
        }

        @Override
        public short poll() {
            lock.lock();
            try {
                int events = 0;
                if (reader) {
                    if (used > 0) {
                        events |= Linux.Poll.IN;
                    }
                    if (!writerOpen) {
                        events |= Linux.Poll.HUP;
                    }
                } else {
                    if (used < CAPACITY) {
                        events |= Linux.Poll.OUT;
                    }
                    if (!readerOpen) {
                        events |= Linux.Poll.ERR;
                    }
                }
                return (short) events;
            } finally {
                lock.unlock();
            }
        }

        @Override
        protected void release() {
            lock.lock();
            try {
                if (reader) {
                    readerOpen = false;
                } else {
                    writerOpen = false;
                }
                wakeBoth();
            } finally {
                lock.unlock();
            }
            (reader ? writeEnd : readEnd).waitQueue().wakeUp();
        }
    }
}
