package io.jvfio.emulator;

import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;

/**
 * The emulated backend: on every {@link #open}, a fresh kernel with the default configuration on
 * the "default" PCI platform (devices unbound, as on a machine without drivers for them).
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
        return EmulatedKernel.create(EmulatorConfig.defaults().withPlatform("default"));
    }
}
