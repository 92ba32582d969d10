package io.jvfio.emulator.boot;

import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import java.util.Map;
import java.util.Set;

/**
 * The emulated backend: on every {@link #open}, a fresh kernel with the default configuration on
 * the "default" PCI platform (devices unbound, as on a machine without drivers for them), or on the
 * machine a {@link PlatformDescription} in the system property {@value PlatformDescription#PROPERTY}
 * (or the option {@value #PLATFORM}) describes; the system property {@code
 * jvfio.emulator.iommufdTest=true} builds it with CONFIG_IOMMUFD_TEST (as the conformance runs do,
 * since the test VM's kernel has it); the mtty sample is built in when the
 * devices layer is on the class path, as in the test VM's kernel.
 */
public final class EmulatedKernelProvider implements KernelProvider {
    /** The option naming the machine: a platform description in its file form. */
    public static final String PLATFORM = "platform";

    @Override
    public String name() {
        return "emulated";
    }

    @Override
    public boolean available() {
        return true;
    }

    @Override
    public Kernel open() {
        return open(Map.of());
    }

    @Override
    public Kernel open(Map<String, String> options) {
        if (!Set.of(PLATFORM).containsAll(options.keySet())) {
            throw new IllegalArgumentException("the emulated backend takes only the option " + PLATFORM + " (given: "
                    + String.join(", ", options.keySet()) + ")");
        }
        EmulatorConfig config =
                EmulatorConfig.defaults().withIommufdTest(Boolean.getBoolean("jvfio.emulator.iommufdTest"));
        String property = System.getProperty(PlatformDescription.PROPERTY);
        EmulatedKernel k;
        if (options.containsKey(PLATFORM)) {
            k = PlatformDescription.parse("platform", options.get(PLATFORM)).boot(config);
        } else if (property != null) {
            k = PlatformDescription.parse(PlatformDescription.PROPERTY, property)
                    .boot(config);
        } else {
            k = EmulatedKernel.create(config.withPlatform("default"));
        }
        try {
            k.modprobe("mtty"); // built in, as CONFIG_SAMPLE_VFIO_MDEV_MTTY=y in the test VM's kernel
        } catch (ErrnoException e) {
            // the devices layer (which has the sample) is not on the class path
        }
        return k;
    }
}
