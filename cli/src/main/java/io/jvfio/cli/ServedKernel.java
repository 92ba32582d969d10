package io.jvfio.cli;

import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.server.KernelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What `run` and `serve` share: the emulated machine to serve and the preload library to hand out. */
final class ServedKernel {
    @Option(
            names = "--no-iommufd-test",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Offer the iommufd selftest module's IOMMU_TEST_CMD and mock devices (default: on).")
    boolean iommufdTest = true;

    /** Boots the default platform. */
    EmulatedKernel boot() {
        return EmulatedKernel.create(
                EmulatorConfig.defaults().withPlatform("default").withIommufdTest(iommufdTest));
    }

    /**
     * The preload library: the path the launcher passes in {@code jvfio.preload}, else the build's
     * output beside the CLI jar.
     */
    static Path preloadLibrary() {
        String configured = System.getProperty("jvfio.preload");
        Path lib = configured != null
                ? Path.of(configured)
                : Path.of("preload", "target", "libjvfio-preload.so").toAbsolutePath();
        if (!Files.isRegularFile(lib)) {
            throw new IllegalStateException(
                    "the preload library is missing at " + lib + " (build with ./mvnw package)");
        }
        return lib.toAbsolutePath();
    }

    /** LD_PRELOAD with the library first, the caller's own preloads after it. */
    static String ldPreload(Path lib) {
        String existing = System.getenv("LD_PRELOAD");
        return existing == null || existing.isBlank() ? lib.toString() : lib + ":" + existing;
    }

    static String socketEnv() {
        return KernelServer.SOCKET_ENV;
    }
}
