package io.jvfio.emulator.iommufd;

import io.jvfio.emulator.iommu.IommuDomain;

/** What paging and nested HWPTs share ({@code struct iommufd_hw_pagetable}). */
abstract class HwPagetable extends IommufdObject {
    IommuDomain domain;
    /** Allocated with IOMMU_HWPT_ALLOC_PASID. */
    final boolean pasidCompat;

    HwPagetable(ObjectType type, boolean pasidCompat) {
        super(type);
        this.pasidCompat = pasidCompat;
    }

    /** __iommufd_hwpt_destroy. */
    void destroyDomain() {
        if (domain != null) {
            domain.close();
        }
    }
}
