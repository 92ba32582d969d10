package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

import java.util.ArrayList;
import java.util.List;

/** A function placed in the hierarchy (Linux's struct pci_dev): its bus and, for bridges, its secondary bus. */
final class PciDev {
    final PciFunction pci;
    final PciAddress address;
    final Bus bus;
    final boolean hotplugSlot;
    Bus subordinate;

    PciDev(PciFunction pci, PciAddress address, Bus bus, boolean hotplugSlot) {
        this.pci = pci;
        this.address = address;
        this.bus = bus;
        this.hotplugSlot = hotplugSlot;
    }

    boolean isPcie() {
        return pci.pcieType().isPresent();
    }

    PcieType pcieType() {
        return pci.pcieType().orElseThrow();
    }

    /** Requested ACS controls enabled (controls the device does not implement count as hard-wired on). */
    boolean acsFlagsEnabled(int flags) {
        int pos = pci.acsOffset();
        if (pos < 0) {
            return false;
        }
        int wanted = flags & (pci.config().read(pos + ACS_CAP, 2) | ACS_EC);
        return (pci.config().read(pos + ACS_CTRL, 2) & wanted) == wanted;
    }

    /** A PCI bus: the root bus (no bridge above it) or a bridge's secondary bus. */
    static final class Bus {
        final int number;
        final PciDev self;
        final List<PciDev> devices = new ArrayList<>();

        Bus(int number, PciDev self) {
            this.number = number;
            this.self = self;
        }

        boolean isRoot() {
            return self == null;
        }

        Bus parent() {
            return self.bus;
        }
    }
}
