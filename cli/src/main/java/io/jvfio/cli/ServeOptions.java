package io.jvfio.cli;

import io.jvfio.api.PciDevices;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.server.KernelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * What `run` and `serve` share: the emulated machine to serve (the platform options, the selftest
 * module, which devices start on vfio-pci) and the preload library to hand out.
 */
final class ServeOptions {
    @Option(
            names = "--no-iommufd-test",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Offer the iommufd selftest module's IOMMU_TEST_CMD and mock devices (default: on).")
    boolean iommufdTest = true;

    @Option(
            names = "--vfio-pci",
            paramLabel = "BDF",
            split = ",",
            description = "Bind these devices to vfio-pci at boot (default: every PCI function that is not"
                    + " a bridge, as a VFIO test machine has them; 'none' for none).")
    List<String> vfioPci;

    /** Boots the machine {@code platform} describes, its modules loaded and its devices bound as asked. */
    EmulatedKernel boot(PlatformOptions platform) {
        EmulatedKernel kernel = platform.boot(EmulatorConfig.defaults().withIommufdTest(iommufdTest));
        if (!platform.described()) {
            kernel.modprobe("mtty"); // the default machine has the mtty sample, as the test VM's kernel
        }
        for (String bdf : toBind(kernel)) {
            PciDevices.bindToVfioPci(kernel, bdf);
        }
        return kernel;
    }

    private List<String> toBind(EmulatedKernel kernel) {
        if (vfioPci != null) {
            return vfioPci.equals(List.of("none")) ? List.of() : vfioPci;
        }
        List<String> all = new ArrayList<>();
        for (PciDevices.PciDevice d : PciDevices.list(kernel)) {
            if ((d.classCode() >> 16) != 0x06 && d.driver().isEmpty()) {
                all.add(d.bdf());
            }
        }
        return all;
    }

    /**
     * The preload library: the path the launcher passes in {@code jvfio.preload}, else the build's
     * output under the working directory.
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
