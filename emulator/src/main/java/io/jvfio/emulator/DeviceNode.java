package io.jvfio.emulator;

import io.jvfio.kernel.FileStat;

/**
 * Something a path in the emulated VFS opens: a character device such as /dev/iommu or
 * /dev/vfio/N ({@link CharDevice}), or a sysfs attribute. Registered with {@link Vfs#register}.
 */
@FunctionalInterface
public interface DeviceNode {
    /** open(2) of this node; throws {@link io.jvfio.abi.ErrnoException} to refuse. */
    OpenFile open(KernelServices kernel, int flags);

    /**
     * What stat(2) of the node, and fstat(2) of a file opened from it, report (the inode's
     * getattr): a regular 0644 file unless the node says otherwise.
     */
    default FileStat getattr() {
        return new FileStat(FileStat.S_IFREG | 0644, 0, 0);
    }
}
