package io.jvfio.emulator.pci;

import java.util.List;

/** An IOMMU group: the functions the IOMMU cannot isolate from one another, numbered as sysfs does. */
public record IommuGroup(int id, List<PciAddress> devices) {
    public IommuGroup {
        devices = List.copyOf(devices);
    }
}
