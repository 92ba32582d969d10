package io.jvfio.emulator;

import io.jvfio.abi.ErrnoException;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;

/**
 * The emulated backend: on every {@link #open}, a fresh kernel with the default configuration on
 * the "default" PCI platform (devices unbound, as on a machine without drivers for them); the
 * system property {@code jvfio.emulator.iommufdTest=true} builds it with CONFIG_IOMMUFD_TEST (as
 * the conformance runs do, since the test VM's kernel has it). The mtty sample is built in when the
 * devices layer is on the class path, as in the test VM's kernel.
 */
public final class EmulatedKernelProvider implements KernelProvider {
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
        EmulatedKernel k = EmulatedKernel.create(EmulatorConfig.defaults()
                .withPlatform("default")
                .withIommufdTest(Boolean.getBoolean("jvfio.emulator.iommufdTest")));
        try {
            k.modprobe("mtty"); // built in, as CONFIG_SAMPLE_VFIO_MDEV_MTTY=y in the test VM's kernel
        } catch (ErrnoException e) {
            // the devices layer (which has the sample) is not on the class path
        }
        return k;
    }
}
