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
 * write of 1, and, once someone listens (virqfd), watched by a thread of its own that consumes
 * each value the client's side adds and reports it.
 */
final class HostEventFd {
    private static final int WATCH_TICK_MILLIS = 200;

    private final int fd;
    private final Runnable signalled;
    private volatile boolean closed;
    private Thread watcher;

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
        if (watcher == null && !closed) {
            watcher = Thread.ofPlatform().daemon().name("eventfd-watch-" + fd).start(this::run);
        }
    }

    private void run() {
        NativeKernel host = NativeKernel.instance();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment value = a.allocate(8, 8);
            while (!closed) {
                short[] ready = host.poll(List.of(new PollFd(fd, (short) Linux.Poll.IN)), WATCH_TICK_MILLIS);
                if (closed || (ready[0] & Linux.Poll.IN) == 0) {
                    continue;
                }
                try {
                    host.read(fd, value);
                } catch (ErrnoException e) {
                    continue; // someone else took it first
                }
                signalled.run();
            }
        } catch (ErrnoException e) {
            // the fd is gone: nothing more will come
        }
    }

    synchronized void close() {
        closed = true;
        Thread w = watcher;
        if (w != null) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        NativeKernel.instance().close(fd);
    }
}
