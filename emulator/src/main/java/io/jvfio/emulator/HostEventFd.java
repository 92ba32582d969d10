package io.jvfio.emulator;

import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.PollFd;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A real eventfd of a served client, as the {@link EventFdFile} for it uses it: signalled by a
 * write of 1, and, while someone listens (virqfd), watched by a thread of its own that consumes
 * each value the client's side adds and reports it. Nobody waits for that thread (it may be
 * delivering a signal into code that holds locks the waiter has): it stops by itself within a
 * tick. It reads only under this object's lock after checking it is still current, so closing the
 * fd at once is safe even if its number is reused while a watcher still polls.
 */
final class HostEventFd {
    private static final int WATCH_TICK_MILLIS = 100;

    private final int fd;
    private final Runnable signalled;
    private boolean closed;
    /** The current watcher's generation; an older watcher sees it changed and stops. */
    private long generation;

    HostEventFd(int fd, Runnable signalled) {
        this.fd = fd;
        this.signalled = signalled;
    }

    /** eventfd_signal: adds 1; a counter at its maximum stays there (EAGAIN, as saturation). */
    void signal() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(8, 8);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            NativeKernel.instance().write(fd, one);
        } catch (ErrnoException e) {
            // EAGAIN at the maximum, or EBADF after the file went away: nothing to signal
        }
    }

    synchronized void watch() {
        if (closed) {
            return;
        }
        long mine = ++generation;
        Thread.ofPlatform().daemon().name("eventfd-watch-" + fd).start(() -> run(mine));
    }

    /** Stops consuming the client's signals (no listener left); {@link #watch} starts again. */
    synchronized void unwatch() {
        generation++;
    }

    private synchronized boolean current(long mine) {
        return !closed && generation == mine;
    }

    private void run(long mine) {
        NativeKernel host = NativeKernel.instance();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(8, 8);
            while (current(mine)) {
                short[] ready = host.poll(List.of(new PollFd(fd, Linux.Poll.IN)), WATCH_TICK_MILLIS);
                synchronized (this) {
                    if (!current(mine) || (ready[0] & Linux.Poll.IN) == 0) {
                        continue;
                    }
                    try {
                        host.read(fd, value);
                    } catch (ErrnoException e) {
                        continue; // someone else took it first
                    }
                }
                signalled.run();
            }
        } catch (ErrnoException e) {
            // the fd is gone: nothing more will come
        }
    }

    /** The eventfd is done with: no watcher reads it any more. */
    synchronized void close() {
        if (!closed) {
            closed = true;
            NativeKernel.instance().close(fd);
        }
    }
}
