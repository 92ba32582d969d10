package io.jvfio.server;

import io.jvfio.abi.ErrnoException;
import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server's exit and close paths, driven by the host kernel: one epoll set over the server ends
 * of every {@link Placeholder} (a hang-up: the last client copy of the fd is gone, so the file is
 * released) and a pidfd of every client process (readable: it exited, so its memory goes away as
 * in the kernel's exit_mm). A thread of its own waits on the set; {@link #sync} runs a pass on
 * the caller's thread too, so a client that just closed an fd or reaped a child sees the effect
 * at once, as it would on Linux.
 */
final class Reaper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Reaper.class.getName());
    private static final long PROCESS_TAG = 1L << 62;
    private static final int HANGUP = HostSyscalls.EPOLLHUP | HostSyscalls.EPOLLRDHUP | HostSyscalls.EPOLLERR;

    private final int epfd = HostSyscalls.epollCreate();
    private final Map<Long, Placeholder> placeholders = new ConcurrentHashMap<>();
    private final Map<Integer, ClientProcess> processes = new ConcurrentHashMap<>();
    private final Thread thread;
    private final Object lock = new Object();
    private volatile boolean closed;

    Reaper() {
        thread = Thread.ofPlatform().daemon().name("jvfio-reaper").start(this::run);
    }

    void add(Placeholder p) {
        placeholders.put(p.ino, p);
        HostSyscalls.epollCtl(epfd, 1, p.serverFd, HANGUP, p.ino);
    }

    Placeholder placeholder(long ino) {
        return placeholders.get(ino);
    }

    /**
     * The live process {@code pid}, made by {@code make} (and followed from then on) if there is
     * none; exits the host already reports are handled first, so a recycled pid never finds the
     * process that had it before.
     */
    ClientProcess admit(int pid, IntFunction<ClientProcess> make) {
        synchronized (lock) {
            handle(HostSyscalls.epollWait(epfd, 64, 0));
            ClientProcess process = processes.get(pid);
            if (process == null) {
                process = make.apply(pid);
                processes.put(pid, process);
                HostSyscalls.epollCtl(epfd, 1, process.pidfd, HostSyscalls.EPOLLIN, PROCESS_TAG | pid);
            }
            return process;
        }
    }

    /** The live process {@code pid}, or null. */
    ClientProcess process(int pid) {
        return processes.get(pid);
    }

    int placeholderCount() {
        return placeholders.size();
    }

    int processCount() {
        return processes.size();
    }

    /**
     * Releases whatever the host already reports gone, and waits for releases in progress. The
     * set is level-triggered, so what the reaper thread has seen but not yet handled shows here too.
     */
    void sync() {
        synchronized (lock) {
            handle(HostSyscalls.epollWait(epfd, 64, 0));
        }
    }

    /** A client closed the placeholder {@code ino}: released now if that was the last copy. */
    void closed(long ino) {
        synchronized (lock) {
            Placeholder p = placeholders.get(ino);
            if (p != null && p.peerGone()) {
                release(p);
            }
        }
    }

    private void run() {
        while (!closed) {
            try {
                HostSyscalls.Ready ready = HostSyscalls.epollWait(epfd, 64, -1);
                synchronized (lock) {
                    handle(ready);
                }
            } catch (ErrnoException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "epoll_wait", e);
                }
                return;
            }
        }
    }

    /** Under the lock: each entry still present is handled once, whoever saw it first. */
    private void handle(HostSyscalls.Ready ready) {
        for (int i = 0; i < ready.count(); i++) {
            long tag = ready.data()[i];
            if ((tag & PROCESS_TAG) != 0) {
                ClientProcess process = processes.remove((int) (tag & ~PROCESS_TAG));
                if (process != null) {
                    exit(process);
                }
            } else {
                Placeholder p = placeholders.get(tag);
                if (p != null) {
                    release(p);
                }
            }
        }
    }

    private void exit(ClientProcess process) {
        try {
            HostSyscalls.epollCtl(epfd, 2, process.pidfd, 0, 0);
        } catch (ErrnoException e) {
            // already gone from the set
        }
        guarded("exit of " + process.pid, process::exit);
    }

    private void release(Placeholder p) {
        if (placeholders.get(p.ino) == p) {
            try {
                HostSyscalls.epollCtl(epfd, 2, p.serverFd, 0, 0);
            } catch (ErrnoException e) {
                // already gone from the set
            }
            guarded("release of a file", p::release);
            placeholders.remove(p.ino, p);
        }
    }

    /** The release paths run kernel code: nothing it throws may take the reaper down. */
    private static void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | Error e) {
            LOG.log(Level.SEVERE, what + " failed", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        NativeKernel.instance().close(epfd);
        thread.interrupt();
    }
}
