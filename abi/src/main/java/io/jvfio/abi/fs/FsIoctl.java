package io.jvfio.abi.fs;

import io.jvfio.abi.Ioctl;

/**
 * The request numbers of linux/fs.h that jvfio issues: only PROCMAP_QUERY, which the emulated
 * kernel's pin check asks the host about its own mappings with. Like KVM's, these carry direction
 * and argument size.
 */
public final class FsIoctl {
    /** PROCFS_IOCTL_MAGIC, the type byte of the procfs requests. */
    public static final int TYPE = 'f';

    public static final long PROCMAP_QUERY = Ioctl.iowr(TYPE, 17, ProcmapQuery.DEF.size());

    private FsIoctl() {}
}
