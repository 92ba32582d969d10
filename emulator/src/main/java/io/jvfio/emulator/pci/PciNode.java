package io.jvfio.emulator.pci;

import java.util.List;

/**
 * The declarative description of a PCI hierarchy: what sits at each device.function of a bus.
 * Bus numbers are not part of it; {@link PciTopology} assigns them depth-first, as firmware does.
 * Bridge functions (ports, PCI bridges) are created by the topology with the register layout of
 * QEMU's corresponding devices.
 */
public sealed interface PciNode {
    /** Device (slot) number on the parent bus. */
    int device();

    int function();

    /** A device's function. */
    record Endpoint(int device, int function, PciFunction pci) implements PciNode {}

    /**
     * A PCIe root port (on the root bus) or switch downstream port (below an {@link UpstreamPort}),
     * with or without ACS, optionally with a hot-plug slot (which allows a slot reset). PCIe links
     * carry only device 0 below a port.
     */
    record Port(int device, int function, boolean acs, boolean hotplugSlot, List<PciNode> below) implements PciNode {
        public Port {
            below = List.copyOf(below);
        }
    }

    /** A PCIe switch's upstream port; below it sit the switch's downstream {@link Port}s. */
    record UpstreamPort(int device, int function, List<Port> below) implements PciNode {
        public UpstreamPort {
            below = List.copyOf(below);
        }
    }

    /**
     * A bridge to a conventional PCI bus: a PCIe-to-PCI bridge below a PCIe port, a conventional
     * PCI-to-PCI bridge elsewhere. Devices below it use its requester ID for DMA.
     */
    record PciBridge(int device, int function, List<PciNode> below) implements PciNode {
        public PciBridge {
            below = List.copyOf(below);
        }
    }

    static Endpoint endpoint(int device, int function, PciFunction pci) {
        return new Endpoint(device, function, pci);
    }

    static Port rootPort(int device, boolean acs, PciNode... below) {
        return new Port(device, 0, acs, false, List.of(below));
    }

    static PciBridge pciBridge(int device, PciNode... below) {
        return new PciBridge(device, 0, List.of(below));
    }
}
