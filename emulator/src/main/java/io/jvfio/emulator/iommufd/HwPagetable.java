package io.jvfio.emulator.iommufd;

import io.jvfio.emulator.iommu.Domain;

/** What paging and nested HWPTs share ({@code struct iommufd_hw_pagetable}). */
abstract class HwPagetable extends IommufdObject {
    /** Allocated with IOMMU_HWPT_ALLOC_PASID. */
    final boolean pasidCompat;
    /** The fault queue of IOMMU_HWPT_FAULT_ID_VALID (one reference held), or null. */
    Fault fault;

    HwPagetable(ObjectType type, boolean pasidCompat) {
        super(type);
        this.pasidCompat = pasidCompat;
    }

    /** The domain the hardware translates through while a device is attached to this HWPT. */
    abstract Domain hwDomain();

    /** The fault queue's reference goes with the HWPT. */
    final void putFault() {
        if (fault != null) {
            fault.decUsers();
        }
    }
}
