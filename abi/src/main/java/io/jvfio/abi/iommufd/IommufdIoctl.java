package io.jvfio.abi.iommufd;

import io.jvfio.abi.Ioctl;

/** The /dev/iommu request numbers of include/uapi/linux/iommufd.h: {@code _IO(';', 0x80 + n)}. */
public final class IommufdIoctl {
    public static final int TYPE = Ioctl.TYPE_IOMMUFD_VFIO;
    public static final int BASE = 0x80;

    public static final long IOMMU_DESTROY = Ioctl.io(TYPE, BASE);
    public static final long IOMMU_IOAS_ALLOC = Ioctl.io(TYPE, BASE + 1);
    public static final long IOMMU_IOAS_ALLOW_IOVAS = Ioctl.io(TYPE, BASE + 2);
    public static final long IOMMU_IOAS_COPY = Ioctl.io(TYPE, BASE + 3);
    public static final long IOMMU_IOAS_IOVA_RANGES = Ioctl.io(TYPE, BASE + 4);
    public static final long IOMMU_IOAS_MAP = Ioctl.io(TYPE, BASE + 5);
    public static final long IOMMU_IOAS_UNMAP = Ioctl.io(TYPE, BASE + 6);
    public static final long IOMMU_OPTION = Ioctl.io(TYPE, BASE + 7);
    public static final long IOMMU_VFIO_IOAS = Ioctl.io(TYPE, BASE + 8);
    public static final long IOMMU_HWPT_ALLOC = Ioctl.io(TYPE, BASE + 9);
    public static final long IOMMU_GET_HW_INFO = Ioctl.io(TYPE, BASE + 10);
    public static final long IOMMU_HWPT_SET_DIRTY_TRACKING = Ioctl.io(TYPE, BASE + 11);
    public static final long IOMMU_HWPT_GET_DIRTY_BITMAP = Ioctl.io(TYPE, BASE + 12);
    public static final long IOMMU_HWPT_INVALIDATE = Ioctl.io(TYPE, BASE + 13);
    public static final long IOMMU_FAULT_QUEUE_ALLOC = Ioctl.io(TYPE, BASE + 14);
    public static final long IOMMU_IOAS_MAP_FILE = Ioctl.io(TYPE, BASE + 15);
    public static final long IOMMU_VIOMMU_ALLOC = Ioctl.io(TYPE, BASE + 16);
    public static final long IOMMU_VDEVICE_ALLOC = Ioctl.io(TYPE, BASE + 17);
    public static final long IOMMU_IOAS_CHANGE_PROCESS = Ioctl.io(TYPE, BASE + 18);
    public static final long IOMMU_VEVENTQ_ALLOC = Ioctl.io(TYPE, BASE + 19);
    public static final long IOMMU_HW_QUEUE_ALLOC = Ioctl.io(TYPE, BASE + 20);
    /** CONFIG_IOMMUFD_TEST only. */
    public static final long IOMMU_TEST_CMD = Ioctl.io(TYPE, BASE + 0x20);

    private IommufdIoctl() {}
}
