package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * eventfd(2): a 64-bit counter. read takes it (or 1 with EFD_SEMAPHORE) and blocks while it is 0;
 * write adds to it and blocks while that would reach 2^64-1; EAGAIN instead of blocking with
 * EFD_NONBLOCK; buffers shorter than 8 bytes are EINVAL. Emulated devices {@link #signal} it from
 * Java, as the kernel's {@code eventfd_signal}.
 */
public final class EventFdFile extends OpenFile {
    private static final long MAX = -1L; // ULLONG_MAX

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final boolean semaphore;
    private final boolean nonblock;
    private long count;

    EventFdFile(long initval, int flags) {
        super(Linux.O.RDWR | (flags & Linux.Efd.NONBLOCK));
        this.count = initval;
        this.semaphore = (flags & Linux.Efd.SEMAPHORE) != 0;
        this.nonblock = (flags & Linux.Efd.NONBLOCK) != 0;
    }

    @Override
    public long read(MemorySegment buf) {
        if (buf.byteSize() < 8) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long value;
        lock.lock();
        try {
            while (count == 0) {
                if (nonblock) {
                    throw new ErrnoException(Errno.EAGAIN);
                }
                changed.awaitUninterruptibly();
            }
            value = semaphore ? 1 : count;
            count -= value;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        waitQueue().wakeUp();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(8, 8);
            out.set(ValueLayout.JAVA_LONG, 0, value);
            UserMemory.toSegment(out, buf, 8);
        }
        return 8;
    }

    @Override
    public long write(MemorySegment buf) {
        if (buf.byteSize() < 8) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long value;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(8, 8);
            UserMemory.fromSegment(buf, in, 8);
            value = in.get(ValueLayout.JAVA_LONG, 0);
        }
        if (value == MAX) {
            throw new ErrnoException(Errno.EINVAL);
        }
        lock.lock();
        try {
            // The counter may never reach ULLONG_MAX through write: wait for room.
            while (Long.compareUnsigned(MAX - count, value) <= 0) {
                if (nonblock) {
                    throw new ErrnoException(Errno.EAGAIN);
                }
                changed.awaitUninterruptibly();
            }
            count += value;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        waitQueue().wakeUp();
        return 8;
    }

    /** eventfd_signal: adds 1 from kernel context, never blocking (saturates instead). */
    public void signal() {
        lock.lock();
        try {
            if (count != MAX) {
                count++;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        waitQueue().wakeUp();
    }

    /** The current counter (for devices and tests). */
    public long count() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public short poll() {
        lock.lock();
        try {
            int events = 0;
            if (count > 0 || count < 0) {
                events |= Linux.Poll.IN;
            }
            if (count == MAX) {
                events |= Linux.Poll.ERR;
            }
            if (Long.compareUnsigned(MAX - 1, count) > 0) {
                events |= Linux.Poll.OUT;
            }
            return (short) events;
        } finally {
            lock.unlock();
        }
    }
}
