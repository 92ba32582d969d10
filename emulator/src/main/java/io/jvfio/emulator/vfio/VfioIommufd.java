package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.iommufd.IommufdAccess;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.iommufd.IommufdDevice;

/**
 * VFIO's side of iommufd (drivers/vfio/iommufd.c): bind, attach (or replace when attached), detach
 * and unbind, physically for PCI functions (the RID and PASIDs through an iommufd device) and
 * emulated for devices without an IOMMU (an access object on the IOAS, no PASIDs), and the compat
 * IOAS attach of the group path. Callers hold the device set's lock.
 */
final class VfioIommufd {
    private VfioIommufd() {}

    /**
     * {@code vfio_iommufd_physical_bind}: the iommufd DEVICE's ID; {@code vfio_iommufd_emulated_bind}:
     * the ACCESS object's ID.
     */
    static int bind(VfioDevice device, IommufdCtx ictx) {
        if (device.isEmulated()) {
            IommufdAccess access = IommufdAccess.create(ictx, new IommufdAccess.Ops() {
                @Override
                public boolean needsPinPages() {
                    return true;
                }

                @Override
                public void unmap(long iova, long length) {
                    device.ops().dmaUnmap(device, iova, length);
                }
            });
            device.iommufdAccess = access;
            return access.id();
        }
        IommufdDevice idev = IommufdDevice.bind(ictx, device.dev().iommuDevice());
        device.iommufdDevice = idev;
        device.pasids.clear();
        return idev.id();
    }

    /** {@code vfio_iommufd_physical_unbind}: every PASID, then the RID, then the bind. */
    static void unbind(VfioDevice device) {
        if (device.isEmulated()) {
            device.iommufdAccess.destroyAccess();
            device.iommufdAttached = false;
            device.iommufdAccess = null;
            return;
        }
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
     * what is attached; returns the HWPT now used. {@code vfio_iommufd_emulated_attach_ioas}: the
     * access object to IOAS {@code ptId} (any other object is ENOENT), which is returned unchanged.
     */
    static int attach(VfioDevice device, int pasid, int ptId) {
        if (device.isEmulated()) {
            IommufdAccess access = device.iommufdAccess;
            if (device.iommufdAttached) {
                access.replace(ptId);
            } else {
                access.attach(ptId);
            }
            device.iommufdAttached = true;
            return ptId;
        }
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
        if (device.isEmulated()) {
            if (device.iommufdAccess != null && device.iommufdAttached) {
                device.iommufdAccess.detach();
                device.iommufdAttached = false;
            }
            return;
        }
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
