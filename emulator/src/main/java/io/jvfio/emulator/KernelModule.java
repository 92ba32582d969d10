package io.jvfio.emulator;

/**
 * A loadable module outside the emulator (an mdev sample such as mtty), found as a service
 * (META-INF/services) since the emulated kernel may not depend on the layers that provide them;
 * {@code EmulatedKernel.modprobe} loads one by name.
 */
public interface KernelModule {
    /** The module's name, as modprobe takes it. */
    String name();

    /** module_init: registers what the module provides with {@code kernel}. */
    void load(KernelServices kernel);
}
