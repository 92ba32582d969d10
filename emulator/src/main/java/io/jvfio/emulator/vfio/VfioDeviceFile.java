package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.VfioArgsz;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.iommufd.IommufdDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * An open VFIO device ({@code struct vfio_device_file} with {@code vfio_device_fops}), obtained
 * either by opening /dev/vfio/devices/vfioN (the cdev path: inert until VFIO_DEVICE_BIND_IOMMUFD)
 * or from VFIO_GROUP_GET_DEVICE_FD (the group path: usable at once). Every operation other than
 * BIND_IOMMUFD is EINVAL until access was granted; then the core handles the cdev-only ioctls,
 * FEATURE and GET_REGION_INFO and hands the rest to the driver.
 */
final class VfioDeviceFile extends OpenFile {
    final VfioDevice device;
    /** The group the file was opened through, null for a cdev file. */
    final VfioGroup group;
    /** Set once the device is open for this file; never cleared. */
    private volatile boolean accessGranted;
    /** The iommufd the device is bound to through this file (cdev) or its group's (group path). */
    IommufdCtx iommufd;
    /** The iommufd device ID of a cdev bind. */
    private int devid;
    /** The VM kvm-vfio associated with this cdev file ({@code df->kvm}). */
    volatile KvmHandle kvm;

    private long pos;

    private VfioDeviceFile(VfioDevice device, VfioGroup group, int flags) {
        super(flags);
        this.device = device;
        this.group = group;
    }

    /** {@code vfio_device_fops_cdev_open}: an inert file; ENODEV while the device is going away. */
    static VfioDeviceFile cdevOpen(VfioDevice device, int flags) {
        if (!device.tryGetRegistration()) {
            throw new ErrnoException(Errno.ENODEV);
        }
        return new VfioDeviceFile(device, null, flags);
    }

    /** A group-path file whose device was opened by {@link VfioGroupFile}; holds a registration. */
    static VfioDeviceFile forGroup(VfioDevice device, VfioGroup group, int flags) {
        return new VfioDeviceFile(device, group, flags);
    }

    void grantAccess() {
        accessGranted = true;
    }

    @Override
    public long ioctl(long cmd, long arg) {
        if (cmd == VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD) {
            bindIommufd(arg);
            return 0;
        }
        if (!accessGranted) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (group == null) {
            if (cmd == VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
                attachPt(arg);
                return 0;
            }
            if (cmd == VfioIoctl.VFIO_DEVICE_DETACH_IOMMUFD_PT) {
                detachPt(arg);
                return 0;
            }
        }
        if (cmd == VfioIoctl.VFIO_DEVICE_FEATURE) {
            return VfioDeviceFeatures.ioctl(device, arg);
        }
        if (cmd == VfioIoctl.VFIO_DEVICE_GET_REGION_INFO) {
            getRegionInfo(arg);
            return 0;
        }
        return device.ops().ioctl(device, cmd, arg);
    }

    @Override
    public long read(MemorySegment buf) {
        synchronized (this) {
            long n = pread(buf, pos);
            pos += n;
            return n;
        }
    }

    @Override
    public long pread(MemorySegment buf, long offset) {
        checkAccess();
        return device.ops().read(device, buf, offset);
    }

    @Override
    public long write(MemorySegment buf) {
        synchronized (this) {
            long n = pwrite(buf, pos);
            pos += n;
            return n;
        }
    }

    @Override
    public long pwrite(MemorySegment buf, long offset) {
        checkAccess();
        return device.ops().write(device, buf, offset);
    }

    @Override
    public MemorySegment mmap(long length, int prot, int mapFlags, long offset) {
        checkAccess();
        return device.ops().mmap(device, length, prot, mapFlags, offset);
    }

    private void checkAccess() {
        if (!accessGranted) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    /** {@code vfio_device_fops_release}. */
    @Override
    protected void release() {
        if (group != null) {
            VfioGroupFile.deviceClose(this);
        } else {
            unbindIommufd();
        }
        device.putRegistration();
    }

    /** {@code vfio_df_ioctl_bind_iommufd}. */
    private void bindIommufd(long arg) {
        long minsz = VfioDeviceBindIommufd.DEF.minSize();
        long userSize = Integer.toUnsignedLong(UserMemory.getU32(arg));
        if (userSize < minsz) {
            throw new ErrnoException(Errno.EINVAL);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bind =
                    UserMemory.copyStructFromUser(arg, userSize, VfioDeviceBindIommufd.DEF.size(), null, arena);
            int fd = VfioDeviceBindIommufd.IOMMUFD.get(bind);
            int flags = VfioDeviceBindIommufd.FLAGS.get(bind);
            if (fd < 0 || (flags & ~VfioDeviceBindIommufd.FLAG_TOKEN) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (group != null) {
                throw new ErrnoException(Errno.EINVAL); // BIND_IOMMUFD is for cdev fds only
            }
            VfioGroupFile.blockGroup(device);
            VfioDeviceSet set = device.devSet;
            boolean bound = false;
            set.lock().lock();
            try {
                if (accessGranted) {
                    throw new ErrnoException(Errno.EINVAL); // bound once
                }
                checkToken(bind, flags);
                iommufd = IommufdCtx.fromFd(device.kernel(), fd);
                takeKvm(kvm);
                try {
                    openDevice();
                    try {
                        UserMemory.putU32(arg + VfioDeviceBindIommufd.OUT_DEVID.offset(), devid);
                    } catch (ErrnoException e) {
                        closeDevice();
                        throw e;
                    }
                } catch (RuntimeException e) {
                    putKvm();
                    iommufd.put();
                    iommufd = null;
                    throw e;
                }
                device.cdevOpened = true;
                accessGranted = true;
                bound = true;
            } finally {
                set.lock().unlock();
                if (!bound) {
                    VfioGroupFile.unblockGroup(device);
                }
            }
        }
    }

    /** {@code vfio_df_check_token}: a driver without match_token_uuid takes no token (EINVAL, unread). */
    private void checkToken(MemorySegment bind, int flags) {
        if (!device.ops().hasMatchTokenUuid()) {
            if ((flags & VfioDeviceBindIommufd.FLAG_TOKEN) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            return;
        }
        device.ops().matchTokenUuid(device, token(bind, flags));
    }

    private static UUID token(MemorySegment bind, int flags) {
        if ((flags & VfioDeviceBindIommufd.FLAG_TOKEN) == 0) {
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer b = UserMemory.copyIn(VfioDeviceBindIommufd.TOKEN_UUID_PTR.get(bind), 16, arena)
                    .asByteBuffer();
            return new UUID(b.getLong(), b.getLong());
        }
    }

    /** {@code vfio_df_unbind_iommufd}: close of a bound cdev file. */
    private void unbindIommufd() {
        if (!accessGranted) {
            return;
        }
        VfioDeviceSet set = device.devSet;
        set.lock().lock();
        try {
            closeDevice();
            putKvm();
            iommufd.put();
            iommufd = null;
            device.cdevOpened = false;
        } finally {
            set.lock().unlock();
        }
        VfioGroupFile.unblockGroup(device);
    }

    /** {@code vfio_df_open}: the cdev path opens a device once; the group path any number of times. */
    void openDevice() {
        if (device.openCount != 0 && group == null) {
            throw new ErrnoException(Errno.EINVAL);
        }
        device.openCount++;
        if (device.openCount == 1) {
            try {
                firstOpen();
            } catch (RuntimeException e) {
                device.openCount--;
                throw e;
            }
        }
    }

    /** {@code vfio_df_device_first_open}: bind the device to the iommufd, then the driver's open. */
    private void firstOpen() {
        if (!device.isNoiommu()) {
            devid = VfioIommufd.bind(device, iommufd);
        }
        try {
            device.ops().openDevice(device);
        } catch (RuntimeException e) {
            if (!device.isNoiommu()) {
                VfioIommufd.unbind(device);
            }
            throw e;
        }
    }

    /** {@code vfio_df_close}. */
    void closeDevice() {
        if (device.openCount == 1) {
            device.ops().closeDevice(device);
            if (!device.isNoiommu()) {
                VfioIommufd.unbind(device);
            }
            device.precopyInfoV2 = false;
        }
        device.openCount--;
    }

    /** {@code vfio_device_get_kvm_safe}: the device keeps the VM it was first opened with. */
    void takeKvm(KvmHandle vm) {
        if (vm != null) {
            device.kvm = vm;
        }
    }

    void putKvm() {
        device.kvm = null;
    }

    /** {@code vfio_df_ioctl_attach_pt}. */
    private void attachPt(long arg) {
        long minsz = VfioDeviceAttachIommufdPt.PT_ID.offset() + 4;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attach = VfioArgsz.copyIn(arg, minsz, arena);
            int flags = VfioDeviceAttachIommufdPt.FLAGS.get(attach);
            int ptId = VfioDeviceAttachIommufdPt.PT_ID.get(attach);
            if ((flags & ~VfioDeviceAttachIommufdPt.ATTACH_PASID) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int pasid = IommufdDevice.NO_PASID;
            if ((flags & VfioDeviceAttachIommufdPt.ATTACH_PASID) != 0) {
                if (device.isEmulated()) {
                    throw new ErrnoException(Errno.EOPNOTSUPP); // no pasid_attach_ioas op
                }
                if (!VfioArgsz.covers(attach, VfioDeviceAttachIommufdPt.PASID.offset() + 4)) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                pasid = UserMemory.getU32(arg + VfioDeviceAttachIommufdPt.PASID.offset());
            }
            device.devSet.lock().lock();
            try {
                int hwpt = VfioIommufd.attach(device, pasid, ptId);
                try {
                    UserMemory.putU32(arg + VfioDeviceAttachIommufdPt.PT_ID.offset(), hwpt);
                } catch (ErrnoException e) {
                    VfioIommufd.detach(device, IommufdDevice.NO_PASID); // as the kernel: the RID, whatever was attached
                    throw e;
                }
            } finally {
                device.devSet.lock().unlock();
            }
        }
    }

    /** {@code vfio_df_ioctl_detach_pt}: always succeeds once the struct is valid. */
    private void detachPt(long arg) {
        long minsz = VfioDeviceDetachIommufdPt.FLAGS.offset() + 4;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment detach = VfioArgsz.copyIn(arg, minsz, arena);
            int flags = VfioDeviceDetachIommufdPt.FLAGS.get(detach);
            if ((flags & ~VfioDeviceDetachIommufdPt.DETACH_PASID) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int pasid = IommufdDevice.NO_PASID;
            if ((flags & VfioDeviceDetachIommufdPt.DETACH_PASID) != 0) {
                if (device.isEmulated()) {
                    throw new ErrnoException(Errno.EOPNOTSUPP); // no pasid_detach_ioas op
                }
                if (!VfioArgsz.covers(detach, VfioDeviceDetachIommufdPt.PASID.offset() + 4)) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                pasid = UserMemory.getU32(arg + VfioDeviceDetachIommufdPt.PASID.offset());
            }
            device.devSet.lock().lock();
            try {
                VfioIommufd.detach(device, pasid);
            } finally {
                device.devSet.lock().unlock();
            }
        }
    }

    /** {@code vfio_get_region_info}: the driver fills the struct and capabilities; the core places the chain. */
    private void getRegionInfo(long arg) {
        long minsz = VfioRegionInfo.OFFSET.offset() + 8;
        long full = VfioRegionInfo.DEF.size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = VfioArgsz.copyIn(arg, minsz, full, arena);
            VfioInfoCap caps = new VfioInfoCap();
            device.ops().getRegionInfoCaps(device, info, caps);
            if (caps.size() > 0) {
                VfioRegionInfo.FLAGS.set(info, VfioRegionInfo.FLAGS.get(info) | VfioRegionInfo.FLAG_CAPS);
                if (!VfioArgsz.covers(info, full + caps.size())) {
                    VfioRegionInfo.ARGSZ.set(info, (int) (full + caps.size()));
                    VfioRegionInfo.CAP_OFFSET.set(info, 0);
                } else {
                    caps.shift((int) full);
                    UserMemory.copyOut(caps.buffer(), arg + full, caps.size());
                    VfioRegionInfo.CAP_OFFSET.set(info, (int) full);
                }
            }
            UserMemory.copyOut(info, arg, minsz);
        }
    }
}
