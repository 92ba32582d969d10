package io.jvfio.cli;

import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.server.KernelServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** `jvfio serve`: one emulated kernel kept running for programs started separately. */
@Command(
        name = "serve",
        description = {
            "Serves one emulated Linux 7.2 kernel until interrupted. Programs started with the printed"
                    + " environment (JVFIO_SOCKET and LD_PRELOAD) share it, as processes share a real kernel."
        })
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ServeOptions served;

    @Mixin
    PlatformOptions platform;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--socket",
            paramLabel = "PATH",
            description = "Where to listen (its directory must be private: mode 0700);"
                    + " default $XDG_RUNTIME_DIR/jvfio/kernel.sock, or /tmp/jvfio-UID/kernel.sock.")
    Path socket;

    static Path defaultSocket() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        Path dir = runtime != null && !runtime.isBlank()
                ? Path.of(runtime, "jvfio")
                : Path.of("/tmp", "jvfio-" + HostSyscalls.getuid());
        return dir.resolve("kernel.sock");
    }

    @Override
    public Integer call() throws InterruptedException {
        Path lib = ServeOptions.preloadLibrary();
        Path at = socket != null ? socket : defaultSocket();
        KernelServer server = KernelServer.start(served.boot(platform), at);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        var out = spec.commandLine().getOut();
        out.println("jvfio: serving an emulated Linux 7.2 kernel; run programs with:");
        out.println("export " + ServeOptions.socketEnv() + "=" + server.socket());
        out.println("export " + KernelServer.PREFIXES_ENV + "=" + KernelServer.prefixes());
        out.println("export LD_PRELOAD=" + ServeOptions.ldPreload(lib));
        out.flush();
        stopped.await();
        return 0;
    }
}
