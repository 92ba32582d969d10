package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import io.jvfio.server.KernelServer;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel server with real C clients through the preload library: a client's calls work
 * (open, ioctl with EFAULT/ENOENT, fcntl status flags, readv/preadv/writev, fstat/fstatat/statx/stat, fork, dup, sysfs), a client killed holding files and mappings
 * leaves nothing behind, and a client sending garbage loses only its own connection.
 */
class KernelServerTest {
    private static Path client;
    private static Path preload;
    private KernelServer server;

    @BeforeAll
    static void build() throws IOException, InterruptedException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        preload = root.resolve("preload/target/libjvfio-preload.so");
        assertThat(preload).exists();
        client = Files.createTempDirectory("jvfio-client").resolve("client");
        Process gcc = new ProcessBuilder(
                        "gcc",
                        "-Wall",
                        "-Wextra",
                        "-Werror",
                        "-o",
                        client.toString(),
                        root.resolve("preload/test/client.c").toString())
                .inheritIO()
                .start();
        assertThat(gcc.waitFor()).isZero();
    }

    @BeforeEach
    void start() {
        server = KernelServer.start(new ServeOptions().boot(new PlatformOptions()), KernelServer.privateSocket());
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        Files.deleteIfExists(server.socket().getParent());
    }

    private Process run(String... args) throws IOException {
        String[] command = new String[args.length + 1];
        command[0] = client.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put(KernelServer.SOCKET_ENV, server.socket().toString());
        pb.environment().put(KernelServer.PREFIXES_ENV, KernelServer.prefixes());
        pb.environment().put("LD_PRELOAD", preload.toString());
        return pb.start();
    }

    private static String output(Process p) throws IOException, InterruptedException {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void aCProgramsCallsReachTheEmulatedKernel() throws Exception {
        Process p = run();
        String out = output(p);
        assertThat(out)
                .doesNotContain("FAIL")
                .contains("ok IOMMU_IOAS_MAP of a bad pointer: EFAULT")
                .contains("ok fstat of a fault queue fd: an anon inode (0600, no file type)");
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(server.openPlaceholders()).isZero();
        assertThat(server.liveProcesses()).isZero();
    }

    @Test
    void aKilledClientLeavesNothingBehind() throws Exception {
        Process p = run("crash");
        String out = output(p);
        assertThat(p.exitValue()).as(out).isEqualTo(128 + 9);
        assertThat(out).doesNotContain("FAIL");
        assertThat(server.openPlaceholders()).isZero();
        assertThat(server.liveProcesses()).isZero();
    }

    @Test
    void severalClientsAtOnceShareOneKernel() throws Exception {
        Process[] ps = {run(), run(), run()};
        for (Process p : ps) {
            String out = output(p);
            assertThat(p.exitValue()).as(out).isZero();
        }
        assertThat(server.openPlaceholders()).isZero();
    }

    @Test
    void closeRangeReleasesThePlaceholdersAtOnce() throws Exception {
        Process p = run("hold");
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        var in = p.getOutputStream();
        assertThat(out.readLine()).startsWith("open ");
        assertThat(server.openPlaceholders()).isEqualTo(2);
        in.write('\n');
        in.flush();
        assertThat(out.readLine()).isEqualTo("closed");
        // The client still lives: only close_range can have released them.
        assertThat(server.openPlaceholders()).isZero();
        in.write('\n');
        in.flush();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void anotherUserIsRefusedWithAMessage() throws Exception {
        // Root only (CI runs as root): the client runs as nobody through setpriv, the socket's
        // directory is opened up so that only the server's own uid check can refuse it.
        org.junit.jupiter.api.Assumptions.assumeTrue(HostSyscalls.getuid() == 0, "needs root to switch users");
        Path dir = server.socket().getParent();
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(
                server.socket(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(
                client.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path lib = Files.copy(
                preload,
                client.resolveSibling("libjvfio-preload.so"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ProcessBuilder pb = new ProcessBuilder(
                        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", client.toString())
                .redirectErrorStream(true);
        pb.environment().put(KernelServer.SOCKET_ENV, server.socket().toString());
        pb.environment().put(KernelServer.PREFIXES_ENV, KernelServer.prefixes());
        pb.environment().put("LD_PRELOAD", lib.toString());
        Process p = pb.start();
        String out = output(p);
        assertThat(p.exitValue()).as(out).isEqualTo(127);
        assertThat(out).contains("serves uid 0 only, not uid 65534");
        assertThat(server.liveProcesses()).isZero();
    }

    @Test
    void theServedBackendDrivesTheSameKernelFromJava() {
        System.setProperty("jvfio.socket", server.socket().toString());
        try (Arena a = Arena.ofConfined()) {
            io.jvfio.kernel.Kernel k =
                    io.jvfio.kernel.KernelProvider.named("served").open();
            assertThat(k.listDirectory("/sys/bus/pci/devices")).contains("0000:00:04.0", "0000:00:05.0");
            assertThat(k.readlink("/sys/bus/pci/devices/0000:00:04.0/driver")).endsWith("/vfio-pci");
            int fd = k.open("/dev/iommu", io.jvfio.abi.Linux.O.RDWR);
            MemorySegment alloc = io.jvfio.abi.iommufd.IommuIoasAlloc.DEF.allocate(a);
            io.jvfio.abi.iommufd.IommuIoasAlloc.SIZE.set(alloc, (int) io.jvfio.abi.iommufd.IommuIoasAlloc.DEF.size());
            assertThat(k.ioctl(fd, io.jvfio.abi.iommufd.IommufdIoctl.IOMMU_IOAS_ALLOC, alloc))
                    .isZero();
            assertThat(io.jvfio.abi.iommufd.IommuIoasAlloc.OUT_IOAS_ID.get(alloc))
                    .isPositive();
            // A bad pointer is the kernel's EFAULT, not a crash of this JVM.
            assertThatThrownBy(() -> k.ioctl(fd, io.jvfio.abi.iommufd.IommufdIoctl.IOMMU_IOAS_ALLOC, 8L))
                    .isInstanceOfSatisfying(io.jvfio.abi.ErrnoException.class, e -> assertThat(e.errno())
                            .isEqualTo(io.jvfio.abi.Errno.EFAULT));
            assertThat(server.openPlaceholders()).isEqualTo(1);
            k.close(fd);
            assertThat(server.openPlaceholders()).isZero();
        } finally {
            System.clearProperty("jvfio.socket");
        }
    }

    @Test
    void garbageEndsOnlyThatConnection() throws Exception {
        int sock = HostSyscalls.connectUnix(server.socket().toString());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment junk = a.allocate(64, 8);
            junk.set(ValueLayout.JAVA_INT, 0, 4242);
            junk.set(ValueLayout.JAVA_INT, 4, Integer.MAX_VALUE); // a payload no server accepts
            HostSyscalls.send(sock, junk, -1);
            MemorySegment reply = a.allocate(64, 8);
            assertThat(HostSyscalls.receive(sock, reply))
                    .as("the server hangs up")
                    .isFalse();
        } finally {
            NativeKernel.instance().close(sock);
        }
        Process p = run();
        String out = output(p);
        assertThat(p.exitValue()).as(out).isZero();
    }
}
