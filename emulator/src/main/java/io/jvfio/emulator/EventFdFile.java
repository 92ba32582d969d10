package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * eventfd(2): a 64-bit counter. read takes it (or 1 with EFD_SEMAPHORE) and blocks while it is 0;
 * write adds to it and blocks while that would reach 2^64-1; EAGAIN instead of blocking with
 * EFD_NONBLOCK; buffers shorter than 8 bytes are EINVAL. Emulated devices {@link #signal} it from
 * Java, as the kernel's {@code eventfd_signal}. Kernel code may {@link #addListener listen} as a
 * custom wait-queue entry does (virqfd): each signal is then consumed for it and reported, and the
 * last close reports a hang-up.
 */
public final class EventFdFile extends OpenFile {
    private static final long MAX = -1L; // ULLONG_MAX

    /** A kernel waiter with its own wake function (the kernel's {@code wait_queue_entry} of virqfd). */
    public interface Listener {
        /** The counter was raised; the listener's share of it has been consumed already. */
        void signalled();

        /** The eventfd's last reference is gone (EPOLLHUP). */
        void hangup();
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final boolean semaphore;
    /** The client's real eventfd behind this file, or null for an eventfd of the emulation. */
    private final HostEventFd host;
    /** For a client's eventfd: the file's last reference is gone (guarded by {@link #host}). */
    private boolean hostReleased;

    private long count;

    /**
     * eventfd_ctx_fdget: the eventfd behind {@code fd}, with the reference {@code fget} took (EBADF
     * from {@code fget} for a bad fd; EINVAL for a file that is not an eventfd).
     */
    public static EventFdFile fromFd(IntFunction<OpenFile> fget, int fd) {
        OpenFile f = fget.apply(fd);
        if (f instanceof EventFdFile e) {
            return e;
        }
        f.put();
        throw new ErrnoException(Errno.EINVAL);
    }

    EventFdFile(long initval, int flags) {
        super(Linux.O.RDWR | (flags & Linux.Efd.NONBLOCK));
        this.count = initval;
        this.semaphore = (flags & Linux.Efd.SEMAPHORE) != 0;
        this.host = null;
    }

    private EventFdFile(int hostFd) {
        // the server's copy of a client's eventfd never waits
        super(Linux.O.RDWR | Linux.O.NONBLOCK);
        this.semaphore = false;
        this.host = new HostEventFd(hostFd, this::hostSignalled);
    }

    /**
     * A served client's own eventfd, by a host fd of ours referring to it (taken over, closed on
     * release): the client reads and polls it itself, so this file only signals it (a write of 1)
     * and, for listeners, consumes what the client's side adds.
     */
    public static EventFdFile ofHost(int hostFd) {
        return new EventFdFile(hostFd);
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
                if (nonblocking()) {
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
                if (nonblocking()) {
                    throw new ErrnoException(Errno.EAGAIN);
                }
                changed.awaitUninterruptibly();
            }
            count += value;
            consumeForListeners();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        wakeUp();
        return 8;
    }

    /** eventfd_signal: adds 1 from kernel context, never blocking (saturates instead). */
    public void signal() {
        if (host != null) {
            host.signal();
            return;
        }
        lock.lock();
        try {
            if (count != MAX) {
                count++;
            }
            consumeForListeners();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        wakeUp();
    }

    /**
     * Adds a listener; returns whether the eventfd is readable already (vfs_poll at registration),
     * in which case the caller acts on that pending signal itself, without consuming it.
     */
    public boolean addListener(Listener l) {
        if (host != null) {
            // A signal pending now is the watcher's to take, like every later one.
            synchronized (host) {
                listeners.add(l);
                host.watch();
            }
            return false;
        }
        lock.lock();
        try {
            listeners.add(l);
            return count != 0;
        } finally {
            lock.unlock();
        }
    }

    public void removeListener(Listener l) {
        if (host == null) {
            listeners.remove(l);
            return;
        }
        synchronized (host) {
            listeners.remove(l);
            if (listeners.isEmpty()) {
                host.unwatch(); // nobody consumes the client's signals any more
                if (hostReleased) {
                    host.close();
                }
            }
        }
    }

    /** eventfd_ctx_do_read for each listener, under the lock as the wake-up runs. */
    private void consumeForListeners() {
        for (int i = 0; i < listeners.size(); i++) {
            count -= semaphore && count != 0 ? 1 : count;
        }
    }

    /**
     * Wakes pollers, then the listeners, outside the counter's lock: their work (an MMIO write, an
     * INTx unmask that signals another eventfd) must not run under it.
     */
    private void wakeUp() {
        waitQueue().wakeUp();
        for (Listener l : listeners) {
            l.signalled();
        }
    }

    /** The client's side raised the host eventfd and {@link HostEventFd} consumed it: as a signal. */
    private void hostSignalled() {
        for (Listener l : listeners) {
            l.signalled();
        }
    }

    @Override
    protected void release() {
        if (host != null) {
            // The listeners hold the eventfd context, not the file: the client's eventfd stays
            // watched until the last of them goes (its own close cannot be seen from here).
            synchronized (host) {
                hostReleased = true;
                if (listeners.isEmpty()) {
                    host.close();
                }
            }
            return;
        }
        for (Listener l : listeners) {
            l.hangup();
        }
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
