package io.jvfio.abi.vfio;

import io.jvfio.abi.Ioctl;

/**
 * The request numbers of include/uapi/linux/vfio.h: {@code _IO(';', 100 + n)}, the same type byte
 * as iommufd below its 0x80 range. VFIO re-uses numbers between fd kinds on purpose: {@code 100 + 12}
 * is VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on a device fd but VFIO_IOMMU_GET_INFO on a container fd
 * (and VFIO_IOMMU_SPAPR_TCE_GET_INFO on a sPAPR container), so the meaning of a request depends on
 * the fd it is issued on, and {@link io.jvfio.abi.catalog.IoctlNames} reports every name of a number.
 */
public final class VfioIoctl {
    public static final int TYPE = Ioctl.TYPE_IOMMUFD_VFIO;
    public static final int BASE = 100;

    // Container fd (/dev/vfio/vfio), also accepted by /dev/iommu's VFIO compatibility.
    public static final long VFIO_GET_API_VERSION = Ioctl.io(TYPE, BASE + 0);
    public static final long VFIO_CHECK_EXTENSION = Ioctl.io(TYPE, BASE + 1);
    public static final long VFIO_SET_IOMMU = Ioctl.io(TYPE, BASE + 2);

    // Group fd (/dev/vfio/N).
    public static final long VFIO_GROUP_GET_STATUS = Ioctl.io(TYPE, BASE + 3);
    public static final long VFIO_GROUP_SET_CONTAINER = Ioctl.io(TYPE, BASE + 4);
    public static final long VFIO_GROUP_UNSET_CONTAINER = Ioctl.io(TYPE, BASE + 5);
    public static final long VFIO_GROUP_GET_DEVICE_FD = Ioctl.io(TYPE, BASE + 6);

    // Device fd (from VFIO_GROUP_GET_DEVICE_FD or a /dev/vfio/devices/vfioX cdev).
    public static final long VFIO_DEVICE_GET_INFO = Ioctl.io(TYPE, BASE + 7);
    public static final long VFIO_DEVICE_GET_REGION_INFO = Ioctl.io(TYPE, BASE + 8);
    public static final long VFIO_DEVICE_GET_IRQ_INFO = Ioctl.io(TYPE, BASE + 9);
    public static final long VFIO_DEVICE_SET_IRQS = Ioctl.io(TYPE, BASE + 10);
    public static final long VFIO_DEVICE_RESET = Ioctl.io(TYPE, BASE + 11);
    public static final long VFIO_DEVICE_GET_PCI_HOT_RESET_INFO = Ioctl.io(TYPE, BASE + 12);
    public static final long VFIO_DEVICE_PCI_HOT_RESET = Ioctl.io(TYPE, BASE + 13);
    public static final long VFIO_DEVICE_QUERY_GFX_PLANE = Ioctl.io(TYPE, BASE + 14);
    public static final long VFIO_DEVICE_GET_GFX_DMABUF = Ioctl.io(TYPE, BASE + 15);
    public static final long VFIO_DEVICE_IOEVENTFD = Ioctl.io(TYPE, BASE + 16);
    public static final long VFIO_DEVICE_FEATURE = Ioctl.io(TYPE, BASE + 17);
    public static final long VFIO_DEVICE_BIND_IOMMUFD = Ioctl.io(TYPE, BASE + 18);
    public static final long VFIO_DEVICE_ATTACH_IOMMUFD_PT = Ioctl.io(TYPE, BASE + 19);
    public static final long VFIO_DEVICE_DETACH_IOMMUFD_PT = Ioctl.io(TYPE, BASE + 20);

    // Migration data fd (from FEATURE_MIG_DEVICE_STATE).
    public static final long VFIO_MIG_GET_PRECOPY_INFO = Ioctl.io(TYPE, BASE + 21);

    // Container fd again, deliberately re-using the device fd numbers 12..17.
    public static final long VFIO_IOMMU_GET_INFO = Ioctl.io(TYPE, BASE + 12);
    public static final long VFIO_IOMMU_MAP_DMA = Ioctl.io(TYPE, BASE + 13);
    public static final long VFIO_IOMMU_UNMAP_DMA = Ioctl.io(TYPE, BASE + 14);
    public static final long VFIO_IOMMU_ENABLE = Ioctl.io(TYPE, BASE + 15);
    public static final long VFIO_IOMMU_DISABLE = Ioctl.io(TYPE, BASE + 16);
    public static final long VFIO_IOMMU_DIRTY_PAGES = Ioctl.io(TYPE, BASE + 17);

    // Container fd of the POWER sPAPR TCE backend, re-using numbers of both sets.
    public static final long VFIO_IOMMU_SPAPR_TCE_GET_INFO = Ioctl.io(TYPE, BASE + 12);
    public static final long VFIO_EEH_PE_OP = Ioctl.io(TYPE, BASE + 21);
    public static final long VFIO_IOMMU_SPAPR_REGISTER_MEMORY = Ioctl.io(TYPE, BASE + 17);
    public static final long VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY = Ioctl.io(TYPE, BASE + 18);
    public static final long VFIO_IOMMU_SPAPR_TCE_CREATE = Ioctl.io(TYPE, BASE + 19);
    public static final long VFIO_IOMMU_SPAPR_TCE_REMOVE = Ioctl.io(TYPE, BASE + 20);

    private VfioIoctl() {}
}
