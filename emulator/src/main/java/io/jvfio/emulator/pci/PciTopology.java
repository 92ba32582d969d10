package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A PCI segment as the emulated kernel has enumerated it: root bus, bridges and their buses,
 * every function at its address, ACS enabled where implemented (as Linux does once an IOMMU is
 * present), and the IOMMU groups Linux would form. Built once from a {@link PciNode} description.
 */
public final class PciTopology {
    private final Map<PciAddress, PciDev> devices = new LinkedHashMap<>();
    private final TreeMap<Integer, IommuGroup> groups = new TreeMap<>();
    private final Map<PciAddress, IommuGroup> groupOf = new HashMap<>();
    /** Group IDs taken by groups outside the topology (VFIO's no-IOMMU and emulated-device groups). */
    private final BitSet reservedGroupIds = new BitSet();

    private final GroupFormation formation = new GroupFormation();
    private int lastBus;

    private PciTopology(int segment, List<PciNode> rootBus) {
        PciDev.Bus root = new PciDev.Bus(0, null);
        List<PciDev> addOrder = new ArrayList<>();
        populate(segment, root, rootBus, false, addOrder);
        for (PciDev d : addOrder) {
            enableAcs(d);
        }
        for (PciDev d : addOrder) {
            joinGroup(d);
        }
    }

    /** iommu_group_get_for_dev: puts a device just added into its group, a new one if need be. */
    private void joinGroup(PciDev d) {
        int id = formation.groupFor(d);
        IommuGroup old = id >= 0 ? groups.get(id) : null;
        if (id < 0) {
            id = lowestFreeGroupId();
        }
        List<PciAddress> members = new ArrayList<>(old != null ? old.devices() : List.of());
        members.add(d.address);
        members.sort(null);
        setGroup(id, members);
        formation.assign(d, id);
    }

    private void setGroup(int id, List<PciAddress> members) {
        IommuGroup g = new IommuGroup(id, members);
        groups.put(id, g);
        members.forEach(a -> groupOf.put(a, g));
    }

    /** iommu_group_alloc's ida: the lowest group ID neither a topology group nor a reservation holds. */
    private int lowestFreeGroupId() {
        int id = reservedGroupIds.nextClearBit(0);
        while (groups.containsKey(id)) {
            id = reservedGroupIds.nextClearBit(id + 1);
        }
        return id;
    }

    /**
     * Takes the lowest free group ID for a group outside the topology (as iommu_group_alloc shares
     * one ID space between all groups), until {@link #releaseGroupId}.
     */
    public synchronized int reserveGroupId() {
        int id = lowestFreeGroupId();
        reservedGroupIds.set(id);
        return id;
    }

    public synchronized void releaseGroupId(int id) {
        reservedGroupIds.clear(id);
    }

    /**
     * pci_iov_add_virtfn's scan and iommu_probe_device's grouping: places VF {@code id} of the PF at
     * {@code pf}, which must have VF Enable set with NumVFs above {@code id}, at its routing ID on
     * the PF's bus, and puts it into an IOMMU group. Returns its address. IllegalStateException if
     * the routing ID is on another bus (the emulated hierarchy has no virtual buses) or taken.
     */
    public synchronized PciAddress addVirtfn(PciAddress pf, int id) {
        PciDev p = dev(pf);
        SriovCapability iov = p.pci.sriov().orElseThrow(() -> new IllegalArgumentException(pf + " is not a PF"));
        int routingId = pf.requesterId() + iov.vfOffset() + iov.vfStride() * id;
        if (routingId >> 8 != pf.bus()) {
            throw new IllegalStateException("VF " + id + " of " + pf + " would be on another bus");
        }
        PciAddress at = new PciAddress(pf.segment(), pf.bus(), (routingId & 0xff) >> 3, routingId & 7);
        if (devices.containsKey(at)) {
            throw new IllegalStateException("VF " + id + " of " + pf + " would be at " + at + ", which is taken");
        }
        PciFunction vf = iov.virtfn(id);
        vf.place(at, false);
        PciDev d = new PciDev(vf, at, p.bus, false);
        p.bus.devices.add(d);
        devices.put(at, d);
        joinGroup(d);
        return at;
    }

    /** pci_iov_remove_virtfn: takes the VF at {@code vf} out of the hierarchy and its group. */
    public synchronized void removeVirtfn(PciAddress vf) {
        PciDev d = dev(vf);
        IommuGroup g = groupOf.remove(vf);
        formation.remove(d);
        List<PciAddress> rest = g.devices().stream().filter(a -> !a.equals(vf)).toList();
        if (rest.isEmpty()) {
            groups.remove(g.id());
        } else {
            setGroup(g.id(), rest);
        }
        d.bus.devices.remove(d);
        devices.remove(vf);
    }

    /** Enumerates the hierarchy whose root bus (bus 0 of segment 0) holds {@code rootBus}. */
    public static PciTopology build(List<PciNode> rootBus) {
        return new PciTopology(0, rootBus);
    }

    /** Every function, bridges included, in the order Linux adds them (bus by bus, depth-first). */
    public synchronized List<PciFunction> functions() {
        return devices.values().stream().map(d -> d.pci).toList();
    }

    public synchronized Optional<PciFunction> function(PciAddress address) {
        return Optional.ofNullable(devices.get(address)).map(d -> d.pci);
    }

    /** The groups in ID order. */
    public synchronized List<IommuGroup> iommuGroups() {
        return List.copyOf(groups.values());
    }

    public synchronized IommuGroup iommuGroup(PciAddress address) {
        dev(address);
        return groupOf.get(address);
    }

    /**
     * The requester ID the IOMMU sees on this function's DMA: its own, or that of the bridge that
     * takes ownership of it (a PCIe-to-PCI bridge's secondary bus with devfn 0, a conventional
     * bridge's own ID), the topmost one winning.
     */
    public synchronized int dmaRequesterId(PciAddress address) {
        List<PciDev> chain = GroupFormation.dmaAliasChain(dev(address));
        PciDev last = chain.getLast();
        if (last.isPcie() && last.pcieType() == PcieType.PCI_BRIDGE && last != chain.getFirst()) {
            return last.subordinate.number << 8;
        }
        return last.address.requesterId();
    }

    /** What a hot reset for this function would reset; empty if neither slot nor bus can be reset. */
    public synchronized Optional<ResetScope> hotResetScope(PciAddress address) {
        PciDev d = dev(address);
        if (d.bus.isRoot()) {
            return Optional.empty(); // no bridge to pull the reset line of the root bus
        }
        List<PciAddress> below = new ArrayList<>();
        for (PciDev peer : d.bus.devices) {
            if (!d.bus.self.hotplugSlot || peer.address.device() == d.address.device()) {
                collect(peer, below);
            }
        }
        ResetScope.Kind kind = d.bus.self.hotplugSlot ? ResetScope.Kind.SLOT : ResetScope.Kind.BUS;
        return Optional.of(new ResetScope(kind, d.bus.self.address, below));
    }

    /** Performs a hot reset: every function of the scope back to power-on. */
    public void hotReset(ResetScope scope) {
        List<PciFunction> functions;
        synchronized (this) {
            functions = scope.devices().stream().map(a -> dev(a).pci).toList();
        }
        functions.forEach(PciFunction::reset);
    }

    private PciDev dev(PciAddress address) {
        PciDev d = devices.get(address);
        if (d == null) {
            throw new IllegalArgumentException("no PCI function at " + address);
        }
        return d;
    }

    private void collect(PciDev d, List<PciAddress> into) {
        into.add(d.address);
        if (d.subordinate != null) {
            for (PciDev child : d.subordinate.devices) {
                collect(child, into);
            }
        }
    }

    /** Places a bus's nodes (in devfn order), then descends into each bridge's secondary bus. */
    private void populate(int segment, PciDev.Bus bus, List<PciNode> nodes, boolean pcieBus, List<PciDev> addOrder) {
        List<PciNode> sorted = new ArrayList<>(nodes);
        sorted.sort((a, b) -> Integer.compare(devfn(a), devfn(b)));
        Map<Integer, Integer> functionsPerSlot = new HashMap<>();
        for (PciNode n : sorted) {
            functionsPerSlot.merge(n.device(), 1, Integer::sum);
        }
        List<Map.Entry<PciDev, PciNode>> bridges = new ArrayList<>();
        for (PciNode n : sorted) {
            PciAddress at = new PciAddress(segment, bus.number, n.device(), n.function());
            check(!devices.containsKey(at), "two functions at " + at);
            check(
                    n.function() == 0 || sorted.stream().anyMatch(o -> o.device() == n.device() && o.function() == 0),
                    at + " has no function 0 beside it");
            PciFunction pci = functionFor(n, bus, pcieBus);
            pci.place(at, functionsPerSlot.get(n.device()) > 1);
            PciDev d = new PciDev(pci, at, bus, n instanceof PciNode.Port p && p.hotplugSlot());
            bus.devices.add(d);
            devices.put(at, d);
            addOrder.add(d);
            if (!(n instanceof PciNode.Endpoint)) {
                bridges.add(Map.entry(d, n));
            }
        }
        for (var e : bridges) {
            PciDev bridge = e.getKey();
            check(lastBus < 0xff, "out of bus numbers");
            PciDev.Bus secondary = new PciDev.Bus(++lastBus, bridge);
            bridge.subordinate = secondary;
            List<PciNode> below =
                    switch (e.getValue()) {
                        case PciNode.Port p -> p.below();
                        case PciNode.UpstreamPort u -> List.copyOf(u.below());
                        case PciNode.PciBridge b -> b.below();
                        case PciNode.Endpoint ignored -> throw new AssertionError();
                    };
            populate(segment, secondary, below, !(e.getValue() instanceof PciNode.PciBridge), addOrder);
            ConfigSpace c = bridge.pci.config();
            c.set(PRIMARY_BUS, 1, bus.number);
            c.set(SECONDARY_BUS, 1, secondary.number);
            c.set(SUBORDINATE_BUS, 1, lastBus);
            c.onWrite(BRIDGE_CONTROL, 2, (o, s, v) -> secondaryBusReset(bridge));
        }
    }

    /** The bridge's Secondary Bus Reset bit resets everything below it while set. */
    private void secondaryBusReset(PciDev bridge) {
        if ((bridge.pci.config().read(BRIDGE_CONTROL, 2) & BRIDGE_CTL_BUS_RESET) != 0) {
            List<PciAddress> below = new ArrayList<>();
            bridge.subordinate.devices.forEach(d -> collect(d, below));
            below.forEach(a -> dev(a).pci.reset());
        }
    }

    private static PciFunction functionFor(PciNode n, PciDev.Bus bus, boolean pcieBus) {
        PciDev parent = bus.self;
        return switch (n) {
            case PciNode.Endpoint e -> e.pci();
            case PciNode.Port p -> {
                boolean underSwitch = parent != null && parent.isPcie() && parent.pcieType() == PcieType.UPSTREAM_PORT;
                check(bus.isRoot() || underSwitch, "ports sit on the root bus or below a switch upstream port: " + n);
                yield BridgeFunctions.port(
                        underSwitch ? PcieType.DOWNSTREAM_PORT : PcieType.ROOT_PORT, p.acs(), p.hotplugSlot());
            }
            case PciNode.UpstreamPort u -> {
                check(
                        parent != null && parent.isPcie() && parent.pcieType().isPort(),
                        "a switch sits below a port: " + n);
                yield BridgeFunctions.upstreamPort();
            }
            case PciNode.PciBridge b -> BridgeFunctions.pciBridge(pcieBus && !bus.isRoot());
        };
    }

    /** Linux enables the ACS controls the IOMMU needs on every function that implements them. */
    private static void enableAcs(PciDev d) {
        int pos = d.pci.acsOffset();
        if (pos >= 0) {
            ConfigSpace c = d.pci.config();
            int ctrl = c.read(pos + ACS_CTRL, 2) | (c.read(pos + ACS_CAP, 2) & GroupFormation.REQUIRED_ACS);
            c.write(pos + ACS_CTRL, 2, ctrl);
        }
    }

    private static int devfn(PciNode n) {
        return new PciAddress(0, 0, n.device(), n.function()).devfn();
    }

    private static void check(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(problem);
        }
    }
}
