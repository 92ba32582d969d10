package io.jvfio.emulator.iommu;

import io.jvfio.emulator.pci.IommuGroup;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciRegs;
import io.jvfio.emulator.pci.PciTopology;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The IOMMU of a PCI platform as the kernel probes it (intel-iommu + iommu.c's bus probe): one
 * VT-d unit whose devices have the x86 MSI window reserved, an IOMMU {@link Group} per group the
 * topology formed (same numbers), and an {@link IommuDevice} for every function, DMA-tagged with
 * its requester ID as the IOMMU sees it. The unit's capabilities are {@link VtdCapabilities#EMULATED}
 * unless given (dirty tracking, nesting, page requests, no PASIDs); a function with both the ATS and
 * the PRI extended capability gets ATS and PRI enabled.
 */
public final class PciIommu {
    private final Iommu iommu;
    private final PciTopology topology;
    private final VtdCapabilities capabilities;
    private final TreeMap<Integer, Group> groups = new TreeMap<>();
    private final Map<PciAddress, IommuDevice> devices = new LinkedHashMap<>();

    private PciIommu(PciTopology topology, VtdCapabilities capabilities) {
        this.topology = topology;
        this.capabilities = capabilities;
        iommu = Iommu.create("dmar0", List.of(ReservedRegion.X86_MSI), capabilities);
        for (IommuGroup g : topology.iommuGroups()) {
            for (PciAddress a : g.devices()) {
                probeDevice(a);
            }
        }
    }

    /**
     * iommu_probe_device for a function the topology has placed (at boot, or a VF when SR-IOV is
     * enabled): its IOMMU device in the group the topology formed, which is made if it is new.
     */
    public synchronized IommuDevice probeDevice(PciAddress a) {
        int id = topology.iommuGroup(a).id();
        Group group = groups.computeIfAbsent(id, Group::new);
        IommuDevice dev = new IommuDevice(
                a.toString(),
                IommuDriver.INTEL_VTD,
                iommu,
                group,
                topology.dmaRequesterId(a),
                capabilities.ssadsSupported(),
                0);
        PciFunction f = topology.function(a).orElseThrow();
        if (f.hasExtendedCapability(PciRegs.EXT_CAP_ID_ATS) && f.hasExtendedCapability(PciRegs.EXT_CAP_ID_PRI)) {
            dev.enablePri();
        }
        devices.put(a, dev);
        return dev;
    }

    /** iommu_release_device: the function is going away (a VF); its group goes with its last device. */
    public synchronized void releaseDevice(PciAddress a) {
        IommuDevice dev = devices.remove(a);
        Group group = dev.group();
        if (group.remove(dev)) {
            groups.remove(group.id());
        }
    }

    /** Probes every function of {@code topology}; their DMA is blocked until a domain is attached. */
    public static PciIommu probe(PciTopology topology) {
        return probe(topology, VtdCapabilities.EMULATED);
    }

    /** As {@link #probe(PciTopology)}, with a VT-d unit of other capabilities. */
    public static PciIommu probe(PciTopology topology, VtdCapabilities capabilities) {
        return new PciIommu(topology, capabilities);
    }

    /** The VT-d unit (its fault log, IOTLB). */
    public Iommu iommu() {
        return iommu;
    }

    /** Groups in ID order. */
    public synchronized List<Group> groups() {
        return List.copyOf(groups.values());
    }

    public synchronized Optional<IommuDevice> device(PciAddress address) {
        return Optional.ofNullable(devices.get(address));
    }

    /** The IOMMU device of {@code function}. */
    public synchronized IommuDevice device(PciFunction function) {
        return devices.get(function.address());
    }
}
