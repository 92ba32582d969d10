package io.jvfio.emulator;

/**
 * Something a path in the emulated VFS opens: a character device such as /dev/iommu or
 * /dev/vfio/N, or a sysfs attribute. Registered with {@link Vfs#register}.
 */
@FunctionalInterface
public interface DeviceNode {
    /** open(2) of this node; throws {@link io.jvfio.abi.ErrnoException} to refuse. */
    OpenFile open(KernelServices kernel, int flags);
}
