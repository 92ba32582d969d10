package io.jvfio.api;

import io.jvfio.abi.iommufd.IommuHwptAlloc;
import java.util.Set;

/** Allocation flags of a HWPT (enum iommufd_hwpt_alloc_flags). */
public enum HwptFlag {
    /** The HWPT may be the parent of nested HWPTs. */
    NEST_PARENT(IommuHwptAlloc.ALLOC_NEST_PARENT),
    /** The domain supports dirty tracking ({@link Hwpt#setDirtyTracking}). */
    DIRTY_TRACKING(IommuHwptAlloc.ALLOC_DIRTY_TRACKING),
    /** The domain may be attached to a PASID. */
    PASID(IommuHwptAlloc.ALLOC_PASID);

    private final int bit;

    HwptFlag(int bit) {
        this.bit = bit;
    }

    static int bits(Set<HwptFlag> flags) {
        int bits = 0;
        for (HwptFlag f : flags) {
            bits |= f.bit;
        }
        return bits;
    }
}
