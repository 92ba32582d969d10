package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioGroupStatus;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.VfioArgsz;
import io.jvfio.emulator.iommufd.IommufdCtx;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An open VFIO group, /dev/vfio/N ({@code vfio_group_fops}): one open file per group at a time,
 * never while a device of the group is bound through its cdev. With an iommufd set as its
 * container (SET_CONTAINER), its devices are opened with GET_DEVICE_FD, bound to that iommufd and
 * attached to its compatibility IOAS. The legacy VFIO container is not built (iommufd provides
 * /dev/vfio/vfio), as in the reference kernel configuration.
 */
final class VfioGroupFile extends OpenFile {
    private static final int PAGE_SIZE = 4096;

    final VfioGroup group;
    private final KernelServices kernel;

    private VfioGroupFile(VfioGroup group, KernelServices kernel, int flags) {
        super(flags);
        this.group = group;
        this.kernel = kernel;
    }

    /** {@code vfio_group_fops_open}. */
    static VfioGroupFile open(VfioGroup group, KernelServices kernel, int flags) {
        group.lock.lock();
        try {
            if (group.drivers == 0) {
                throw new ErrnoException(Errno.ENODEV);
            }
            if (group.noiommu && !kernel.currentTask().capSysRawio()) {
                throw new ErrnoException(Errno.EPERM);
            }
            if (group.cdevDeviceOpenCount > 0 || group.openedFile != null) {
                throw new ErrnoException(Errno.EBUSY);
            }
            VfioGroupFile f = new VfioGroupFile(group, kernel, flags);
            group.openedFile = f;
            return f;
        } finally {
            group.lock.unlock();
        }
    }

    @Override
    public long ioctl(long cmd, long arg) {
        if (cmd == VfioIoctl.VFIO_GROUP_GET_DEVICE_FD) {
            return getDeviceFd(arg);
        }
        if (cmd == VfioIoctl.VFIO_GROUP_GET_STATUS) {
            getStatus(arg);
        } else if (cmd == VfioIoctl.VFIO_GROUP_SET_CONTAINER) {
            setContainer(arg);
        } else if (cmd == VfioIoctl.VFIO_GROUP_UNSET_CONTAINER) {
            unsetContainer();
        } else {
            throw new ErrnoException(Errno.ENOTTY);
        }
        return 0;
    }

    /** {@code vfio_group_fops_release}: drops the iommufd and frees the group for the next open. */
    @Override
    protected void release() {
        group.lock.lock();
        try {
            putIommufd();
            group.openedFile = null;
        } finally {
            group.lock.unlock();
        }
    }

    /** {@code vfio_group_ioctl_get_status}. */
    private void getStatus(long arg) {
        long minsz = VfioGroupStatus.FLAGS.offset() + 4;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = VfioArgsz.copyIn(arg, minsz, arena);
            int flags = 0;
            group.lock.lock();
            try {
                if (group.drivers == 0) {
                    throw new ErrnoException(Errno.ENODEV);
                }
                if (group.iommufd != null) {
                    flags = VfioGroupStatus.FLAGS_CONTAINER_SET | VfioGroupStatus.FLAGS_VIABLE;
                } else if (group.iommuGroup == null || !group.iommuGroup.isDmaOwned()) {
                    flags = VfioGroupStatus.FLAGS_VIABLE;
                }
            } finally {
                group.lock.unlock();
            }
            VfioGroupStatus.FLAGS.set(status, flags);
            UserMemory.copyOut(status, arg, minsz);
        }
    }

    /** {@code vfio_group_ioctl_set_container}: only an iommufd (or /dev/vfio/vfio, which is one) is a container. */
    private void setContainer(long arg) {
        int fd = UserMemory.getU32(arg);
        kernel.fget(fd).put(); // EBADF before anything else
        group.lock.lock();
        try {
            if (group.iommufd != null) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (group.drivers == 0) {
                throw new ErrnoException(Errno.ENODEV);
            }
            IommufdCtx ictx = IommufdCtx.fromFd(kernel, fd); // EBADFD for anything else
            try {
                if (group.noiommu) {
                    ictx.vfioCompatSetNoIommu();
                } else {
                    ictx.vfioCompatIoasCreate();
                }
            } catch (RuntimeException e) {
                ictx.put();
                throw e;
            }
            group.iommufd = ictx;
        } finally {
            group.lock.unlock();
        }
    }

    private void putIommufd() {
        if (group.iommufd != null) {
            group.iommufd.put();
            group.iommufd = null;
        }
    }

    /** {@code vfio_group_ioctl_unset_container}; without the legacy container, open devices do not hold it. */
    private void unsetContainer() {
        group.lock.lock();
        try {
            if (group.iommufd == null) {
                throw new ErrnoException(Errno.EINVAL);
            }
            putIommufd();
        } finally {
            group.lock.unlock();
        }
    }

    /** {@code vfio_group_ioctl_get_device_fd}: the device the driver's match picks, opened. */
    private int getDeviceFd(long arg) {
        String name = UserMemory.strndupUser(arg, PAGE_SIZE);
        VfioDevice device = findDevice(name);
        VfioDeviceFile df = VfioDeviceFile.forGroup(device, group, Linux.O.RDWR);
        try {
            groupOpen(df);
        } catch (RuntimeException e) {
            device.putRegistration();
            throw e;
        }
        return kernel.installFd(df);
    }

    /** {@code vfio_device_get_from_name}: ENODEV if no device matches or it is going away. */
    private VfioDevice findDevice(String name) {
        synchronized (group.devices) {
            for (VfioDevice d : group.devices) {
                if (d.ops().match(d, name) && d.tryGetRegistration()) {
                    return d;
                }
            }
        }
        throw new ErrnoException(Errno.ENODEV);
    }

    /** {@code vfio_df_group_open}. */
    private void groupOpen(VfioDeviceFile df) {
        VfioDevice device = df.device;
        group.lock.lock();
        try {
            if (group.iommufd == null) {
                throw new ErrnoException(Errno.EINVAL);
            }
            device.devSet.lock().lock();
            try {
                if (device.openCount == 0) {
                    df.takeKvm(group.kvm);
                }
                df.iommufd = group.iommufd;
                try {
                    if (device.isNoiommu() && device.openCount == 0) {
                        if (!kernel.currentTask().capSysRawio() || VfioIommufd.hasCompatIoas(df.iommufd)) {
                            throw new ErrnoException(Errno.EPERM);
                        }
                    }
                    df.openDevice();
                    if (device.openCount == 1 && !device.isNoiommu()) {
                        try {
                            VfioIommufd.compatAttachIoas(device, df.iommufd);
                        } catch (RuntimeException e) {
                            df.closeDevice();
                            throw e;
                        }
                    }
                } catch (RuntimeException e) {
                    df.iommufd = null;
                    if (device.openCount == 0) {
                        df.putKvm();
                    }
                    throw e;
                }
                df.grantAccess();
            } finally {
                device.devSet.lock().unlock();
            }
        } finally {
            group.lock.unlock();
        }
    }

    /** {@code vfio_df_group_close}: release of a group-path device file. */
    static void deviceClose(VfioDeviceFile df) {
        VfioDevice device = df.device;
        df.group.lock.lock();
        try {
            device.devSet.lock().lock();
            try {
                df.closeDevice();
                df.iommufd = null;
                if (device.openCount == 0) {
                    df.putKvm();
                }
            } finally {
                device.devSet.lock().unlock();
            }
        } finally {
            df.group.lock.unlock();
        }
    }

    /** {@code vfio_device_block_group}: a cdev bind keeps the group file closed (EBUSY while it is open). */
    static void blockGroup(VfioDevice device) {
        VfioGroup g = device.group;
        if (g == null) {
            return;
        }
        g.lock.lock();
        try {
            if (g.openedFile != null) {
                throw new ErrnoException(Errno.EBUSY);
            }
            g.cdevDeviceOpenCount++;
        } finally {
            g.lock.unlock();
        }
    }

    static void unblockGroup(VfioDevice device) {
        VfioGroup g = device.group;
        if (g == null) {
            return;
        }
        g.lock.lock();
        try {
            g.cdevDeviceOpenCount--;
        } finally {
            g.lock.unlock();
        }
    }
}
