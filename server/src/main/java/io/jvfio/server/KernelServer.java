package io.jvfio.server;

import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.logging.Logger;

/**
 * One emulated kernel served to every process that connects to its socket: what {@code jvfio run}
 * and {@code jvfio serve} start. Clients are programs running with the preload library
 * (preload/jvfio-preload.c), one connection per client thread. The server acts only for the
 * process the host kernel names as the peer (SO_PEERCRED, then a pidfd), only for processes of
 * the user who started it (its socket lives in a 0700 directory, and any other uid is refused).
 */
public final class KernelServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KernelServer.class.getName());
    /** The environment variable that tells the preload library where the socket is. */
    public static final String SOCKET_ENV = "JVFIO_SOCKET";
    /**
     * The environment variable with the path prefixes the server owns (colon-separated), so a
     * client decides without a round trip whether a path is the server's to look at.
     */
    public static final String PREFIXES_ENV = "JVFIO_PREFIXES";

    /** The value of {@link #PREFIXES_ENV}. */
    public static String prefixes() {
        return String.join(":", Paths.PREFIXES);
    }

    private final EmulatedKernel kernel;
    private final Path socket;
    private final int listenFd;
    private final int uid = HostSyscalls.getuid();
    private final Reaper reaper = new Reaper();
    private final Paths paths;
    private final Thread acceptor;
    private volatile boolean closed;

    private KernelServer(EmulatedKernel kernel, Path socket) {
        this.kernel = kernel;
        this.socket = socket;
        this.paths = new Paths(kernel, this);
        this.listenFd = HostSyscalls.listenUnix(socket.toString(), 64);
        this.acceptor = Thread.ofPlatform().daemon().name("jvfio-accept").start(this::accept);
    }

    /**
     * Serves {@code kernel} at {@code socket}, whose directory is made (mode 0700) if missing and
     * must be private to this user: EACCES-like refusal otherwise, so no other user can connect.
     */
    public static KernelServer start(EmulatedKernel kernel, Path socket) {
        Path dir = socket.toAbsolutePath().getParent();
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(
                        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!Files.getPosixFilePermissions(dir).equals(PosixFilePermissions.fromString("rwx------"))) {
                throw new IllegalArgumentException(dir + " must be a directory of mode 0700 (it is not private)");
            }
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new KernelServer(kernel, socket.toAbsolutePath());
    }

    /** A fresh private directory for one run's socket. */
    public static Path privateSocket() {
        try {
            Path dir = Files.createTempDirectory(
                    "jvfio-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return dir.resolve("kernel.sock");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path socket() {
        return socket;
    }

    public EmulatedKernel kernel() {
        return kernel;
    }

    Reaper reaper() {
        return reaper;
    }

    Paths paths() {
        return paths;
    }

    List<String> ownedPrefixes() {
        return Paths.PREFIXES;
    }

    ClientProcess process(int pid) {
        return reaper.process(pid);
    }

    /**
     * {@code process} says it was forked from {@code ancestor}: believed only if the host's
     * parent links lead there and the ancestor is a live client.
     */
    void forked(ClientProcess process, int ancestor) {
        ClientProcess parent = reaper.process(ancestor);
        if (parent != null && parent != process && HostProcesses.isAncestor(ancestor, process.pid)) {
            process.forkedFrom(parent);
        }
    }

    /** Files still open in some client and client processes still known: for leak checks. */
    public int openPlaceholders() {
        reaper.sync();
        return reaper.placeholderCount();
    }

    public int liveProcesses() {
        reaper.sync();
        return reaper.processCount();
    }

    /** The placeholder {@code fd} of {@code process} stands for, or null (not ours, not open). */
    Placeholder placeholderOf(ClientProcess process, int fd) {
        try {
            int copy = HostSyscalls.pidfdGetfd(process.pidfd, fd);
            try {
                return reaper.placeholder(HostSyscalls.fstat(copy).ino());
            } finally {
                NativeKernel.instance().close(copy);
            }
        } catch (ErrnoException e) {
            return null;
        }
    }

    private void accept() {
        while (!closed) {
            int sock;
            try {
                sock = HostSyscalls.accept(listenFd);
            } catch (ErrnoException e) {
                if (closed) {
                    return;
                }
                LOG.warning("accept: " + e.getMessage());
                continue;
            }
            try {
                admit(sock);
            } catch (RuntimeException e) {
                LOG.warning("refused a client: " + e.getMessage());
                NativeKernel.instance().close(sock);
            }
        }
    }

    private void admit(int sock) {
        HostSyscalls.PeerCred peer = HostSyscalls.peerCred(sock);
        if (peer.uid() != uid) {
            String why = "jvfio: this kernel server serves uid " + uid + " only, not uid " + peer.uid();
            // Off the accept thread: the client's hello is read first, so the answer reaches it.
            Thread.ofPlatform().daemon().name("jvfio-refuse").start(() -> refuse(sock, why));
            return;
        }
        ClientProcess process = reaper.admit(peer.pid(), pid -> new ClientProcess(kernel, reaper, pid));
        Connection c = new Connection(this, sock, process);
        Thread.ofPlatform().daemon().name("jvfio-client-" + peer.pid()).start(c);
    }

    /** Answers the client's hello with EACCES and a message it prints, then hangs up. */
    private static void refuse(int sock, String why) {
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            HostSyscalls.receive(sock, a.allocate(Protocol.HEADER, 8));
            byte[] msg = why.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            java.lang.foreign.MemorySegment m = a.allocate(Protocol.HEADER + msg.length, 8);
            Protocol.set(m, Protocol.DONE, msg.length, -io.jvfio.abi.Errno.EACCES.number());
            java.lang.foreign.MemorySegment.copy(
                    msg, 0, m, java.lang.foreign.ValueLayout.JAVA_BYTE, Protocol.HEADER, msg.length);
            HostSyscalls.send(sock, m, -1);
        } catch (ErrnoException e) {
            // gone already
        }
        NativeKernel.instance().close(sock);
    }

    @Override
    public void close() {
        closed = true;
        try {
            HostSyscalls.shutdown(listenFd);
        } catch (ErrnoException e) {
            // not connected: accept still wakes up on close
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        NativeKernel.instance().close(listenFd);
        reaper.close();
        HostSyscalls.unlinkIfPresent(socket.toString());
    }
}
