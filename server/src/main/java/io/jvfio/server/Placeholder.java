package io.jvfio.server;

import io.jvfio.abi.Linux;
import io.jvfio.emulator.OpenFile;
import io.jvfio.kernel.PollFd;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * An emulated file as clients hold it: one end of an AF_UNIX socket pair in their fd tables (the
 * server keeps the other end). The host kernel then does for us what the real kernel does for
 * fds: numbers, dup, fork, CLOEXEC, close and exit all just work, and when the last client copy
 * goes away our end hangs up, which {@link Reaper} turns into the fput of the file. Readiness is
 * mirrored too: while the file polls readable, one byte waits in the client's end, so poll, select
 * and epoll on it behave.
 */
final class Placeholder {
    final int serverFd;
    final long ino;
    final OpenFile file;
    private final Runnable watcher = this::mirrorReadiness;
    private boolean readable;
    private boolean released;

    Placeholder(int serverFd, long ino, OpenFile file) {
        this.serverFd = serverFd;
        this.ino = ino;
        this.file = file;
        file.waitQueue().watch(watcher);
    }

    /** Puts the readiness byte in when the file turned readable (a wake-up from the emulation). */
    synchronized void mirrorReadiness() {
        if (released || readable || (file.poll() & Linux.Poll.IN) == 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            NativeKernel.instance().write(serverFd, a.allocate(1));
            readable = true;
        } catch (RuntimeException e) {
            // the clients are gone: the reaper releases the file
        }
    }

    /**
     * After an operation of a client on the file: if it stopped being readable, the byte comes out
     * of the client's end ({@code drain} runs the callback that reads it there).
     */
    synchronized void settle(Runnable drain) {
        if (released) {
            return;
        }
        boolean now = (file.poll() & Linux.Poll.IN) != 0;
        if (readable && !now) {
            drain.run();
            readable = false;
        }
        if (!readable && now) {
            mirrorReadiness();
        }
    }

    /** The last client copy is gone: drops the file's reference. Idempotent. */
    void release() {
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
        }
        file.waitQueue().unwatch(watcher);
        NativeKernel.instance().close(serverFd);
        file.put();
    }

    /** Whether the clients' end is fully closed (our end sees a hang-up). */
    boolean peerGone() {
        short[] r = NativeKernel.instance()
                .poll(List.of(new PollFd(serverFd, (short) (Linux.Poll.IN | Linux.Poll.RDHUP))), 0);
        return (r[0] & (Linux.Poll.HUP | Linux.Poll.RDHUP)) != 0;
    }
}
