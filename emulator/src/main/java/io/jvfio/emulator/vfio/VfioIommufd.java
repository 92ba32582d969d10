package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.iommufd.IommufdDevice;

/**
 * VFIO's side of iommufd (drivers/vfio/iommufd.c) for physical devices: bind, attach (or replace
 * when attached), detach and unbind of the RID and PASIDs, and the compat IOAS attach of the group
 * path. Callers hold the device set's lock.
 */
final class VfioIommufd {
    private VfioIommufd() {}

    /** {@code vfio_iommufd_physical_bind}: the iommufd DEVICE's ID. */
    static int bind(VfioDevice device, IommufdCtx ictx) {
        IommufdDevice idev = IommufdDevice.bind(ictx, device.dev().iommuDevice());
        device.iommufdDevice = idev;
        device.pasids.clear();
        return idev.id();
    }

    /** {@code vfio_iommufd_physical_unbind}: every PASID, then the RID, then the bind. */
    static void unbind(VfioDevice device) {
        IommufdDevice idev = device.iommufdDevice;
        for (int pasid : device.pasids) {
            idev.detach(pasid);
        }
        device.pasids.clear();
        if (device.iommufdAttached) {
            idev.detach(IommufdDevice.NO_PASID);
            device.iommufdAttached = false;
        }
        idev.unbind();
        device.iommufdDevice = null;
    }

    /**
     * {@code vfio_iommufd_physical_attach_ioas} / {@code _pasid_attach_ioas}: attach, or replace
     * what is attached; returns the HWPT now used.
     */
    static int attach(VfioDevice device, int pasid, int ptId) {
        IommufdDevice idev = device.iommufdDevice;
        if (idev == null) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (pasid != IommufdDevice.NO_PASID) {
            if (device.pasids.contains(pasid)) {
                return idev.replace(pasid, ptId);
            }
            int hwpt = idev.attach(pasid, ptId);
            device.pasids.add(pasid);
            return hwpt;
        }
        int hwpt = device.iommufdAttached ? idev.replace(pasid, ptId) : idev.attach(pasid, ptId);
        device.iommufdAttached = true;
        return hwpt;
    }

    /** {@code vfio_iommufd_physical_detach_ioas} / {@code _pasid_detach_ioas}: a no-op when not attached. */
    static void detach(VfioDevice device, int pasid) {
        IommufdDevice idev = device.iommufdDevice;
        if (idev == null) {
            return;
        }
        if (pasid != IommufdDevice.NO_PASID) {
            if (device.pasids.remove(pasid)) {
                idev.detach(pasid);
            }
        } else if (device.iommufdAttached) {
            idev.detach(pasid);
            device.iommufdAttached = false;
        }
    }

    /** {@code vfio_iommufd_device_has_compat_ioas}. */
    static boolean hasCompatIoas(IommufdCtx ictx) {
        try {
            ictx.vfioCompatIoasGetId();
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** {@code vfio_iommufd_compat_attach_ioas}: ENODEV without a compat IOAS. */
    static void compatAttachIoas(VfioDevice device, IommufdCtx ictx) {
        attach(device, IommufdDevice.NO_PASID, ictx.vfioCompatIoasGetId());
    }
}
