package io.jvfio.emulator.bus;

import io.jvfio.emulator.pci.PcieType;

/**
 * The PCIe port bus driver ("pcieport"), bound at boot to root, switch upstream and switch
 * downstream ports as on Linux. It does nothing here but occupy the ports; it does not use the
 * DMA API, so it never stands in the way of user-space ownership of a group.
 */
public final class PciePortDriver implements PciDriver {
    @Override
    public String name() {
        return "pcieport";
    }

    @Override
    public boolean matchesIdTable(PciDevice dev) {
        return dev.function()
                .pcieType()
                .filter(t -> t == PcieType.ROOT_PORT || t == PcieType.UPSTREAM_PORT || t == PcieType.DOWNSTREAM_PORT)
                .isPresent();
    }

    @Override
    public void probe(PciDevice dev) {}

    @Override
    public void remove(PciDevice dev) {}

    @Override
    public boolean driverManagedDma() {
        return true;
    }
}
