package io.jvfio.emulator.iommufd;

/** {@code enum iommufd_object_type}: the kinds of object sharing one ID space per iommufd. */
enum ObjectType {
    IOAS,
    DEVICE,
    HWPT_PAGING,
    HWPT_NESTED,
    ACCESS,
    FAULT,
    VIOMMU,
    VDEVICE,
    VEVENTQ,
    HW_QUEUE,
    SELFTEST
}
