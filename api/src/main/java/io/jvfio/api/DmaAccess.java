package io.jvfio.api;

import io.jvfio.abi.iommufd.IommuIoasMap;

/** What a device may do with mapped memory (IOMMU_IOAS_MAP_READABLE / _WRITEABLE). */
public enum DmaAccess {
    /** The device reads the memory (host to device). */
    READ(IommuIoasMap.FLAG_READABLE),
    /** The device writes the memory (device to host). */
    WRITE(IommuIoasMap.FLAG_WRITEABLE),
    READ_WRITE(IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE);

    private final int flags;

    DmaAccess(int flags) {
        this.flags = flags;
    }

    /** The iommufd map flags; IOAS_COPY uses the same bits. */
    int flags() {
        return flags;
    }
}
