package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.lang.foreign.MemorySegment;
import java.util.UUID;

/**
 * What a VFIO bus driver implements for its devices ({@code struct vfio_device_ops}). The core
 * owns the device file: it checks that access was granted (a bound cdev fd or a group-opened fd)
 * before calling any of these, handles VFIO_DEVICE_BIND_IOMMUFD, ATTACH/DETACH_IOMMUFD_PT,
 * VFIO_DEVICE_FEATURE's validation and VFIO_DEVICE_GET_REGION_INFO's capability chain, and hands
 * everything else here. The iommufd callbacks of the kernel's table are the physical ones
 * ({@code vfio_iommufd_physical_*}) for PCI devices and the emulated ones for the rest, so the
 * core picks them by the device's kind.
 *
 * <p>Every method runs in the calling thread of the syscall; throw {@link ErrnoException} to
 * fail. The defaults are what the core answers when the kernel's op is NULL.
 */
public interface VfioDeviceOps {
    /** {@code name}: the driver's name, such as "vfio-pci". */
    String name();

    /**
     * {@code open_device}: the first open of the device (open count 0 → 1), after the core bound it
     * to the iommufd or the container; called with the device set's lock held.
     */
    default void openDevice(VfioDevice device) {}

    /** {@code close_device}: the last close, with the device set's lock held, before the unbind. */
    default void closeDevice(VfioDevice device) {}

    /** {@code ioctl}: every device-fd ioctl the core does not handle; {@code arg} is the raw argument. */
    default long ioctl(VfioDevice device, long cmd, long arg) {
        throw new ErrnoException(Errno.EINVAL);
    }

    /**
     * {@code get_region_info_caps}: fill FLAGS, SIZE and OFFSET of {@code info} (the kernel's copy
     * of {@code struct vfio_region_info}, whose ARGSZ and INDEX the caller set) and add
     * capabilities to {@code caps}. The core adds FLAG_CAPS, moves the chain behind the struct or
     * raises argsz, and copies out.
     */
    default void getRegionInfoCaps(VfioDevice device, MemorySegment info, VfioInfoCap caps) {
        throw new ErrnoException(Errno.EINVAL);
    }

    /** {@code read}: {@code buf} is the caller's buffer, {@code offset} the file position; returns the count. */
    default long read(VfioDevice device, MemorySegment buf, long offset) {
        throw new ErrnoException(Errno.EINVAL);
    }

    /** {@code write}: as {@link #read}. */
    default long write(VfioDevice device, MemorySegment buf, long offset) {
        throw new ErrnoException(Errno.EINVAL);
    }

    /** {@code mmap} of the device fd: {@code offset} is mmap's file offset. */
    default MemorySegment mmap(VfioDevice device, long length, int prot, int flags, long offset) {
        throw new ErrnoException(Errno.EINVAL);
    }

    /**
     * {@code request}: the device is being unregistered while user space holds it open; called
     * again with a growing {@code count} until every file is closed.
     */
    default void request(VfioDevice device, int count) {}

    /**
     * {@code match}: whether VFIO_GROUP_GET_DEVICE_FD's {@code buf} names this device; may throw
     * (vfio-pci: EACCES for a bad VF token). The default matches the device name exactly.
     */
    default boolean match(VfioDevice device, String buf) {
        return buf.equals(device.name());
    }

    /**
     * Whether the driver has {@code match_token_uuid}. Without it (the default) BIND_IOMMUFD's
     * token flag is EINVAL before the UUID is read, and {@link #matchTokenUuid} is not called.
     */
    default boolean hasMatchTokenUuid() {
        return false;
    }

    /**
     * {@code match_token_uuid}: BIND_IOMMUFD's VF token check (and the group path's, from {@link
     * #match}), for drivers where {@link #hasMatchTokenUuid}; {@code uuid} is null when none was
     * given. The default takes none: a token is EINVAL.
     */
    default void matchTokenUuid(VfioDevice device, UUID uuid) {
        if (uuid != null) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    /**
     * {@code dma_unmap}: an emulated device's IOVA range [iova, iova+length) is being unmapped
     * (length -1: everything, at detach); unpin whatever the driver pinned inside it.
     */
    default void dmaUnmap(VfioDevice device, long iova, long length) {}

    /**
     * {@code device_feature}: VFIO_DEVICE_FEATURE after the core validated argsz and flags, for
     * features the core does not own; {@code arg} is the user address of the feature data and
     * {@code argsz} its size. ENOTTY for an unknown feature.
     */
    default long deviceFeature(VfioDevice device, int flags, long arg, long argsz) {
        throw new ErrnoException(Errno.ENOTTY);
    }
}
