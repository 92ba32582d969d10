package io.jvfio.api;

import io.jvfio.abi.vfio.VfioDeviceInfo;
import java.util.List;

/** VFIO_DEVICE_GET_INFO: what kind of device it is and how many regions and IRQ indexes it has. */
public record DeviceInfo(int flags, int numRegions, int numIrqs, List<Capability> capabilities) {
    public DeviceInfo {
        capabilities = List.copyOf(capabilities);
    }

    public boolean isPci() {
        return (flags & VfioDeviceInfo.FLAGS_PCI) != 0;
    }

    /** Whether {@link VfioDevice#reset()} can work. */
    public boolean resettable() {
        return (flags & VfioDeviceInfo.FLAGS_RESET) != 0;
    }
}
