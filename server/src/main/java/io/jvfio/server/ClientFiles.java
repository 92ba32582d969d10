package io.jvfio.server;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.EventFdFile;
import io.jvfio.emulator.FileTable;
import io.jvfio.emulator.MemFdFile;
import io.jvfio.emulator.OpenFile;
import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client's fd table as the emulated kernel sees it: the client's real one. fget takes a copy of
 * the client's fd with pidfd_getfd (so only fds the process really holds count, whatever a message
 * says) and recognises it: a {@link Placeholder} stands for its emulated file; a real eventfd or
 * memfd of the client becomes an emulated file over it; anything else is a file without
 * operations. fd_install sends a new placeholder into the client.
 *
 * <p>That resolution costs three host system calls, so the placeholder inode it finds at an fd is
 * remembered: when an ioctl request names the same inode for the fd (what the preload library saw
 * there just before), it is taken without asking again. The inode only selects among what the
 * host kernel showed in this process's own table: a client that names a stale one reaches at most
 * a file it held at that fd, as if it had kept it open, never another process's.
 */
final class ClientFiles implements FileTable {
    private final ClientProcess process;
    private final Reaper reaper;
    /** fd to the placeholder inode pidfd_getfd last found there (the process's threads share it). */
    private final Map<Integer, Long> seen = new ConcurrentHashMap<>();

    ClientFiles(ClientProcess process, Reaper reaper) {
        this.process = process;
        this.reaper = reaper;
    }

    @Override
    public int install(OpenFile file, int flags) {
        int[] pair = HostSyscalls.socketpair();
        Placeholder p;
        try {
            p = new Placeholder(pair[0], HostSyscalls.fstat(pair[1]).ino(), file);
        } catch (RuntimeException e) {
            NativeKernel.instance().close(pair[0]);
            NativeKernel.instance().close(pair[1]);
            throw e;
        }
        try {
            p.mirrorReadiness();
            reaper.add(p);
            return Connection.current().install(pair[1], flags & Linux.O.CLOEXEC);
        } finally {
            // The client has its copy now (or none, and then the reaper sees the hang-up).
            NativeKernel.instance().close(pair[1]);
        }
    }

    @Override
    public OpenFile get(int fd) {
        if (fd < 0) {
            throw new ErrnoException(Errno.EBADF);
        }
        long claimed = Connection.claimedIno(fd);
        if (claimed != 0 && Long.valueOf(claimed).equals(seen.get(fd))) {
            Placeholder p = reaper.placeholder(claimed);
            if (p != null) {
                return p.file.get();
            }
        }
        int copy = HostSyscalls.pidfdGetfd(process.pidfd, fd);
        try {
            HostSyscalls.Stat st = HostSyscalls.fstat(copy);
            if (st.isSocket()) {
                Placeholder p = reaper.placeholder(st.ino());
                if (p != null) {
                    seen.put(fd, st.ino());
                    return p.file.get();
                }
            }
            seen.remove(fd);
            OpenFile host = hostFile(copy);
            copy = -1; // taken over
            return host;
        } finally {
            if (copy >= 0) {
                NativeKernel.instance().close(copy);
            }
        }
    }

    /** The client's own host file behind our copy {@code fd}, as an emulated file that owns the copy. */
    private static OpenFile hostFile(int fd) {
        String target;
        try {
            target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            target = "";
        }
        if (target.equals("anon_inode:[eventfd]")) {
            return EventFdFile.ofHost(fd);
        }
        if (target.startsWith("/memfd:") || target.startsWith("/dev/shm/")) {
            return MemFdFile.ofHost(fd);
        }
        return new HostFile(fd);
    }

    @Override
    public OpenFile getOrNull(int fd) {
        try {
            return get(fd);
        } catch (ErrnoException e) {
            return null;
        }
    }

    @Override
    public OpenFile remove(int fd) {
        OpenFile f = get(fd);
        seen.remove(fd);
        Connection.current().closeFd(fd);
        return f;
    }

    /** A host file of the client that the emulation has no use for: no operations, closed on release. */
    private static final class HostFile extends OpenFile {
        private final int fd;

        HostFile(int fd) {
            super(Linux.O.RDWR);
            this.fd = fd;
        }

        @Override
        protected void release() {
            NativeKernel.instance().close(fd);
        }
    }
}
