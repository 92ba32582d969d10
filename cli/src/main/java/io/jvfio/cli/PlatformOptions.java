package io.jvfio.cli;

import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.boot.EmulatedKernelProvider;
import io.jvfio.emulator.boot.PlatformDescription;
import io.jvfio.emulator.pci.PciPlatform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The emulated machine, described as QEMU's command line describes one: {@code --device
 * TYPE[,PROP=VALUE]...} (repeatable) and {@code --platform FILE} (one such device per line, see
 * docs/devices.md); the file's devices come first. Without either, the default platform. A mixin:
 * every command that boots an emulated kernel takes the same options and gets the machine from
 * {@link #platform()} or {@link #boot}.
 */
final class PlatformOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = "--device",
            paramLabel = "TYPE[,PROP=VALUE...]",
            description = "A device of the emulated machine, as QEMU's -device: edu, nvme[,size=64M][,serial=S],"
                    + " mtty, pcie-root-port[,acs=on|off][,hotplug=on|off], x3130-upstream, xio3130-downstream,"
                    + " pci-bridge, pcie-pci-bridge; each PCI device takes id=, bus=ID and addr=SLOT[.FN]. Repeatable;"
                    + " replaces the default platform.")
    List<String> devices = new ArrayList<>();

    @Option(
            names = "--platform",
            paramLabel = "FILE",
            description = "The emulated machine from FILE: one --device argument per line, # comments.")
    Path file;

    /** Whether the user described a machine; otherwise the emulated backend boots the default one. */
    boolean described() {
        return file != null || !devices.isEmpty();
    }

    /**
     * The described machine, built and checked: every device in its power-on state, a usage error
     * naming the device and the problem otherwise; null when none was described.
     */
    PlatformDescription description() {
        if (!described()) {
            return null;
        }
        try {
            return file != null
                    ? PlatformDescription.of(file.toString(), read(file), devices)
                    : PlatformDescription.ofDevices(devices);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), e.getMessage());
        }
    }

    /** The machine to boot: the described one, else a fresh default platform. */
    PciPlatform platform() {
        PlatformDescription d = description();
        return d != null ? d : PciPlatform.load("default");
    }

    /** An emulated kernel with {@code config} booted on the machine, its modules (mtty) loaded. */
    EmulatedKernel boot(EmulatorConfig config) {
        PlatformDescription d = description();
        return d != null ? d.boot(config) : EmulatedKernel.create(config.withPlatform("default"));
    }

    /** The emulated backend's options for the machine (KernelProvider.open). */
    Map<String, String> backendOptions() {
        PlatformDescription d = description();
        return d == null ? Map.of() : Map.of(EmulatedKernelProvider.PLATFORM, d.text());
    }

    /**
     * Until the result is closed, every emulated kernel this JVM opens by name boots the machine (the
     * conformance tests open theirs through KernelProvider); without a description, the default one.
     */
    Applied applyToEmulatedBackend() {
        PlatformDescription d = description();
        String saved = d != null
                ? System.setProperty(PlatformDescription.PROPERTY, d.text())
                : System.clearProperty(PlatformDescription.PROPERTY);
        return () -> {
            if (saved == null) {
                System.clearProperty(PlatformDescription.PROPERTY);
            } else {
                System.setProperty(PlatformDescription.PROPERTY, saved);
            }
        };
    }

    /** The machine applied to the emulated backend, until closed. */
    interface Applied extends AutoCloseable {
        @Override
        void close();
    }

    private String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ParameterException(
                    mixee.commandLine(),
                    "--platform " + path + ": cannot read it (" + e.getClass().getSimpleName() + ")");
        }
    }
}
