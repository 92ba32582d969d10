package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
 * (open, ioctl with EFAULT/ENOENT, fork, dup, sysfs), a client killed holding files and mappings
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
        server = KernelServer.start(new ServedKernel().boot(new PlatformOptions()), KernelServer.privateSocket());
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
        assertThat(out).doesNotContain("FAIL").contains("ok IOMMU_IOAS_MAP of a bad pointer: EFAULT");
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
