package io.jvfio.emulator;

import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;

/** The emulated backend: a fresh kernel with the default configuration on every {@link #open}. */
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
        return EmulatedKernel.create();
    }
}
