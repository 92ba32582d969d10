package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuVdeviceAlloc;
import java.lang.foreign.MemorySegment;

/**
 * A vDEVICE ({@code struct iommufd_vdevice}): a device's virtual ID in a vIOMMU. It holds its
 * device and vIOMMU; unbinding the device destroys it and tombstones its ID (rule 29).
 */
final class Vdevice extends IommufdObject {
    final Viommu viommu;
    final IommufdDevice idev;
    final long virtId;

    private Vdevice(Viommu viommu, IommufdDevice idev, long virtId) {
        super(ObjectType.VDEVICE);
        this.viommu = viommu;
        this.idev = idev;
        this.virtId = virtId;
    }

    /**
     * iommufd_vdevice_alloc_ioctl: ENOENT for the vIOMMU or device; EINVAL for a device behind
     * another IOMMU; EEXIST if the device has a vDEVICE or the virtual ID is taken.
     */
    static void alloc(Ucmd u) {
        MemorySegment c = u.cmd;
        long virtId = IommuVdeviceAlloc.VIRT_ID.get(c);
        Viommu viommu = (Viommu) u.ctx.objects.get(IommuVdeviceAlloc.VIOMMU_ID.get(c), ObjectType.VIOMMU);
        try {
            IommufdDevice idev = HwptIoctls.getDevice(u, IommuVdeviceAlloc.DEV_ID.get(c));
            boolean keepIdev = false;
            try {
                if (viommu.iommu != idev.dev.iommu()) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                synchronized (idev.igroup) {
                    if (idev.vdev != null) {
                        throw new ErrnoException(Errno.EEXIST);
                    }
                    Vdevice vdev = new Vdevice(viommu, idev, virtId);
                    synchronized (viommu) {
                        if (viommu.vdevs.containsKey(virtId)) {
                            throw new ErrnoException(Errno.EEXIST);
                        }
                        u.ctx.objects.allocate(vdev);
                        viommu.vdevs.put(virtId, vdev);
                    }
                    u.newObj = vdev;
                    viommu.incUsers();
                    idev.vdev = vdev;
                    keepIdev = true; // the vDEVICE keeps the lookup's device reference
                    IommuVdeviceAlloc.OUT_VDEVICE_ID.set(c, vdev.id());
                    u.respond();
                }
            } finally {
                if (!keepIdev) {
                    u.ctx.put(idev);
                }
            }
        } finally {
            u.ctx.put(viommu);
        }
    }

    @Override
    void destroy() {
        synchronized (idev.igroup) {
            if (idev.vdev == this) {
                idev.vdev = null;
            }
        }
        synchronized (viommu) {
            viommu.vdevs.remove(virtId, this);
        }
        viommu.decUsers();
        idev.decUsers();
    }
}
