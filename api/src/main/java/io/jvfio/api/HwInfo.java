package io.jvfio.api;

import io.jvfio.abi.iommufd.IommuHwInfo;
import java.lang.foreign.MemorySegment;

/**
 * IOMMU_GET_HW_INFO: the IOMMU behind a bound device. {@code type} says how to read {@code data}
 * (e.g. {@code struct iommu_hw_info_vtd} for Intel VT-d), a read-only copy of the driver's bytes.
 */
public record HwInfo(int type, long capabilities, int maxPasidLog2, MemorySegment data) {
    /** Whether HWPTs for this device may be allocated with {@link HwptFlag#DIRTY_TRACKING}. */
    public boolean dirtyTracking() {
        return (capabilities & IommuHwInfo.HW_CAP_DIRTY_TRACKING) != 0;
    }
}
