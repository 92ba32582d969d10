package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Forms IOMMU groups the way Linux's PCI device grouping does, device by device in the order the
 * devices are added: follow the DMA alias upstream (conventional bridges take ownership of their
 * children's requests), then climb further until a bridge path with ACS isolation, then join any
 * non-isolated sibling function of a multifunction device (a VF is never multifunction: Linux
 * clears the flag). Device-specific quirks (DMA alias and
 * ACS quirks) are not modelled: the emulated hardware has none.
 */
final class GroupFormation {
    /** Isolation needs Source Validation, Request and Completion Redirect, Upstream Forwarding. */
    static final int REQUIRED_ACS = ACS_SV | ACS_RR | ACS_CR | ACS_UF;

    private final Map<PciDev, Integer> groupOf = new HashMap<>();

    /**
     * The group {@code dev} joins as Linux adds it after the devices already added: an existing
     * group's ID, or -1 for a group of its own.
     */
    int groupFor(PciDev dev) {
        PciDev pdev = dev;
        // The requester ID the IOMMU will see: every alias on the way up may already be grouped.
        for (PciDev alias : dmaAliasChain(dev)) {
            pdev = alias;
            Integer g = groupOf.get(alias);
            if (g != null) {
                return g;
            }
        }
        for (PciDev.Bus bus = pdev.bus; !bus.isRoot(); bus = bus.parent()) {
            if (acsPathEnabled(bus.self)) {
                break;
            }
            pdev = bus.self;
            Integer g = groupOf.get(pdev);
            if (g != null) {
                return g;
            }
        }
        if (pdev.pci.isMultifunction() && !acsEnabled(pdev)) {
            for (PciDev sibling : pdev.bus.devices) {
                Integer g = groupOf.get(sibling);
                if (sibling != pdev
                        && sibling.address.device() == pdev.address.device()
                        && g != null
                        && !acsEnabled(sibling)) {
                    return g;
                }
            }
        }
        return -1;
    }

    /** Records that {@code dev} is in group {@code id}. */
    void assign(PciDev dev, int id) {
        groupOf.put(dev, id);
    }

    /** Forgets a removed device (a VF). */
    void remove(PciDev dev) {
        groupOf.remove(dev);
    }

    /** The device, then each bridge above it that takes over its requester ID. */
    static List<PciDev> dmaAliasChain(PciDev dev) {
        List<PciDev> chain = new ArrayList<>();
        chain.add(dev);
        for (PciDev.Bus bus = dev.bus; !bus.isRoot(); bus = bus.parent()) {
            PciDev bridge = bus.self;
            if (!bridge.isPcie() || !bridge.pcieType().isPort()) {
                chain.add(bridge);
            }
        }
        return chain;
    }

    /** Whether {@code dev} isolates peer-to-peer traffic, per its type (Linux's pci_acs_enabled). */
    static boolean acsEnabled(PciDev dev) {
        if (!dev.isPcie()) {
            return false; // a shared conventional bus lets anyone see anyone's DMA
        }
        return switch (dev.pcieType()) {
            case PCIE_BRIDGE, PCI_BRIDGE, RC_EVENT_COLLECTOR -> false;
            case DOWNSTREAM_PORT, ROOT_PORT -> dev.acsFlagsEnabled(REQUIRED_ACS);
            // Endpoints and upstream ports only need ACS to isolate functions of one device.
            case ENDPOINT, UPSTREAM_PORT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT ->
                !dev.pci.isMultifunction() || dev.acsFlagsEnabled(REQUIRED_ACS);
        };
    }

    /** ACS isolation from {@code start} all the way up to the root bus. */
    static boolean acsPathEnabled(PciDev start) {
        for (PciDev pdev = start; ; pdev = pdev.bus.self) {
            if (!acsEnabled(pdev)) {
                return false;
            }
            if (pdev.bus.isRoot()) {
                return true;
            }
        }
    }
}
