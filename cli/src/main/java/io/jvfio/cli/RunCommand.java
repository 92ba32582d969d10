package io.jvfio.cli;

import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.server.KernelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** `jvfio run -- PROGRAM [ARGS...]`: an unmodified program against one emulated kernel. */
@Command(
        name = "run",
        description = {
            "Runs PROGRAM, and every process it starts, against one emulated Linux 7.2 kernel on the default"
                    + " platform: its calls on /dev/iommu, /dev/vfio, the emulated sysfs and procfs files and the"
                    + " fds they give go there through the preload library (LD_PRELOAD).",
            "The exit status is PROGRAM's (128+N when signal N ended it)."
        })
final class RunCommand implements Callable<Integer> {
    @Mixin
    ServeOptions served;

    @Mixin
    PlatformOptions platform;

    @Parameters(arity = "1..*", paramLabel = "PROGRAM", description = "The program and its arguments.")
    List<String> command;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path lib = ServeOptions.preloadLibrary();
        EmulatedKernel kernel = served.boot(platform);
        Path socket = KernelServer.privateSocket();
        try (KernelServer server = KernelServer.start(kernel, socket)) {
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            pb.environment().put(ServeOptions.socketEnv(), server.socket().toString());
            pb.environment().put(KernelServer.PREFIXES_ENV, KernelServer.prefixes());
            pb.environment().put("LD_PRELOAD", ServeOptions.ldPreload(lib));
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
            }
            return p.waitFor();
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(socket.getParent());
        }
    }
}
