package io.jvfio.emulator.boot;

import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.KernelModule;
import io.jvfio.emulator.pci.DeviceProperties;
import io.jvfio.emulator.pci.PciDeviceType;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciPlatform;
import io.jvfio.emulator.pci.PciTopology;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A machine described as QEMU users describe one: a list of devices, each {@code
 * TYPE[,PROP=VALUE]...} as after {@code -device} (see docs/devices.md, "Describing a platform").
 * Types are the PCI bridges of QEMU's q35 ({@code pcie-root-port}, {@code x3130-upstream}, {@code
 * xio3130-downstream}, {@code pci-bridge}, {@code pcie-pci-bridge}), the {@link PciDeviceType}
 * services (edu, nvme, ...), and {@link KernelModule} services (mtty), which are loaded at boot.
 * Every device takes {@code id=} (a name for {@code bus=}), {@code bus=} (a bridge's id; the root
 * bus {@code pcie.0} by default) and {@code addr=SLOT[.FN]} (the lowest free slot by default: from
 * 04 on the root bus, as in the test VM, from 00 below a bridge).
 *
 * <p>Building one validates it completely and makes the machine, each device in its power-on state;
 * a problem is an {@link IllegalArgumentException} naming the device as it was written and what is
 * wrong. {@link #fresh()} builds the same machine again.
 */
public final class PlatformDescription implements PciPlatform {
    /** The system property the emulated backend reads a description from (the file form). */
    public static final String PROPERTY = "jvfio.emulator.platform";

    public static final String NAME = "described";
    private static final String ROOT_BUS = "pcie.0";
    private static final Set<String> PLACEMENT = Set.of("id", "bus", "addr");
    private static final Pattern ADDR = Pattern.compile("(\\p{XDigit}{1,2})(?:\\.([0-7]))?");
    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");

    /** The bridges of the PCI model, by the names of the QEMU devices they are modelled on. */
    private enum Bridge {
        ROOT_PORT("pcie-root-port", Set.of("acs", "hotplug")),
        UPSTREAM("x3130-upstream", Set.of()),
        DOWNSTREAM("xio3130-downstream", Set.of("acs", "hotplug")),
        PCI_BRIDGE("pci-bridge", Set.of()),
        PCIE_PCI_BRIDGE("pcie-pci-bridge", Set.of());

        final String type;
        final Set<String> properties;

        Bridge(String type, Set<String> properties) {
            this.type = type;
            this.properties = properties;
        }

        boolean isPort() {
            return this == ROOT_PORT || this == DOWNSTREAM;
        }
    }

    /** One device as written, and where it came from ("--device", "FILE line 3"). */
    private record Line(String where, String text) {
        IllegalArgumentException error(String problem) {
            return new IllegalArgumentException(where + " (" + text + "): " + problem);
        }
    }

    /** A bus being filled: the bridge above it (null for the root bus) and its functions by devfn. */
    private static final class Bus {
        final String name;
        final Bridge bridge;
        final TreeMap<Integer, Placed> functions = new TreeMap<>();

        Bus(String name, Bridge bridge) {
            this.name = name;
            this.bridge = bridge;
        }
    }

    /** A placed device: an endpoint's function, or a bridge with its secondary bus. */
    private record Placed(
            Line line, int devfn, PciFunction endpoint, Bridge bridge, Map<String, String> props, Bus below) {}

    private final List<Line> lines;
    private final PciTopology topology;
    private final List<String> modules;

    private PlatformDescription(List<Line> lines) {
        this.lines = List.copyOf(lines);
        Map<String, PciDeviceType> types = new TreeMap<>();
        PciDeviceType.all().forEach(t -> types.putIfAbsent(t.name(), t));
        Set<String> moduleNames = new TreeSet<>();
        ServiceLoader.load(KernelModule.class).forEach(m -> moduleNames.add(m.name()));
        Bus root = new Bus(ROOT_BUS, null);
        Map<String, Bus> buses = new HashMap<>();
        Map<String, Line> ids = new HashMap<>();
        Set<String> loaded = new LinkedHashSet<>();
        for (Line line : this.lines) {
            int comma = line.text().indexOf(',');
            String type = comma < 0 ? line.text() : line.text().substring(0, comma);
            Map<String, String> props =
                    properties(line, comma < 0 ? "" : line.text().substring(comma + 1));
            if (moduleNames.contains(type)) {
                if (!props.isEmpty()) {
                    throw line.error(type + " is a kernel module (loaded at boot), not a PCI function: it takes no "
                            + String.join(", ", props.keySet()));
                }
                if (!loaded.add(type)) {
                    throw line.error(type + " is given twice (a module loads once)");
                }
                continue;
            }
            Bridge bridge = bridge(type);
            PciDeviceType device = types.get(type);
            if (bridge == null && device == null) {
                Set<String> known = new TreeSet<>(types.keySet());
                known.addAll(moduleNames);
                for (Bridge b : Bridge.values()) {
                    known.add(b.type);
                }
                throw line.error("no device type \"" + type + "\" (known: " + String.join(", ", known) + ")");
            }
            Set<String> allowed = new TreeSet<>(PLACEMENT);
            allowed.addAll(bridge != null ? bridge.properties : device.properties());
            for (String p : props.keySet()) {
                if (!allowed.contains(p)) {
                    throw line.error(
                            type + " has no property \"" + p + "\" (it takes: " + String.join(", ", allowed) + ")");
                }
            }
            Bus bus = bus(line, bridge, props.get("bus"), buses, ids, root);
            int devfn = address(line, bus, props.get("addr"));
            String id = props.get("id");
            if (id != null) {
                if (!ID.matcher(id).matches()) {
                    throw line.error("id=" + id + " is not a name (a letter, then letters, digits, '-', '.', '_')");
                }
                if (id.equals(ROOT_BUS) || ids.containsKey(id)) {
                    throw line.error("id=" + id + " is taken"
                            + (ids.containsKey(id) ? " by " + ids.get(id).text() : " (the root bus)"));
                }
                ids.put(id, line);
            }
            Map<String, String> own = new LinkedHashMap<>(props);
            own.keySet().removeAll(PLACEMENT);
            PciFunction endpoint = null;
            Bus below = null;
            if (bridge != null) {
                below = new Bus(id != null ? id : type, bridge);
                if (id != null) {
                    buses.put(id, below);
                }
            } else {
                try {
                    endpoint = device.create(new DeviceProperties(own, bus == root));
                } catch (IllegalArgumentException e) {
                    throw line.error(e.getMessage());
                }
            }
            bus.functions.put(devfn, new Placed(line, devfn, endpoint, bridge, own, below));
        }
        this.modules = List.copyOf(loaded);
        this.topology = PciTopology.build(nodes(root));
    }

    /** A description in the file form: one device per line, {@code #} to the end of a line a comment. */
    public static PlatformDescription parse(String source, String text) {
        return new PlatformDescription(lines(source, text));
    }

    /** A description given as {@code --device} arguments, in order. */
    public static PlatformDescription ofDevices(List<String> devices) {
        return of("", "", devices);
    }

    /** The devices of file {@code source} with text {@code text}, then {@code --device} arguments. */
    public static PlatformDescription of(String source, String text, List<String> devices) {
        List<Line> all = new ArrayList<>(lines(source, text));
        devices.forEach(d -> all.add(new Line("--device", d.strip())));
        return new PlatformDescription(all);
    }

    private static List<Line> lines(String source, String text) {
        List<Line> lines = new ArrayList<>();
        String[] raw = text.split("\n", -1);
        for (int n = 0; n < raw.length; n++) {
            String l = raw[n].replaceFirst("#.*", "").strip();
            if (!l.isEmpty()) {
                lines.add(new Line(source + " line " + (n + 1), l));
            }
        }
        return lines;
    }

    /** The same machine, built again: every device in its power-on state. */
    public PlatformDescription fresh() {
        return new PlatformDescription(lines);
    }

    /** The file form of this description (what {@link #parse} reads back to the same machine). */
    public String text() {
        return lines.stream().map(Line::text).collect(Collectors.joining("\n", "", "\n"));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PciTopology topology() {
        return topology;
    }

    /** The kernel modules the description names (mtty), in order. */
    public List<String> modules() {
        return modules;
    }

    /** A kernel booted on this machine with {@code config}, its modules loaded. */
    public EmulatedKernel boot(EmulatorConfig config) {
        EmulatedKernel k = EmulatedKernel.create(config, this);
        modules.forEach(k::modprobe);
        return k;
    }

    private static Map<String, String> properties(Line line, String text) {
        Map<String, String> props = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return props;
        }
        for (String p : text.split(",", -1)) {
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw line.error("expected PROPERTY=VALUE, got \"" + p + "\"");
            }
            if (props.put(p.substring(0, eq).strip(), p.substring(eq + 1).strip()) != null) {
                throw line.error("property \"" + p.substring(0, eq) + "\" given twice");
            }
        }
        return props;
    }

    private static Bridge bridge(String type) {
        for (Bridge b : Bridge.values()) {
            if (b.type.equals(type)) {
                return b;
            }
        }
        return null;
    }

    /** The bus a device names, checked against what may sit there (as the PCI model allows). */
    private static Bus bus(
            Line line, Bridge bridge, String name, Map<String, Bus> buses, Map<String, Line> ids, Bus root) {
        Bus bus = name == null || name.equals(ROOT_BUS) ? root : buses.get(name);
        if (bus == null && ids.containsKey(name)) {
            throw line.error("bus=" + name + ": " + ids.get(name).text() + " is not a bridge");
        }
        if (bus == null) {
            throw line.error("bus=" + name + ": no bridge has id=" + name + " (a bus is named before its devices)");
        }
        boolean belowSwitch = bus.bridge == Bridge.UPSTREAM;
        if (belowSwitch != (bridge == Bridge.DOWNSTREAM)) {
            throw line.error(
                    belowSwitch
                            ? "only xio3130-downstream ports sit below x3130-upstream " + bus.name
                            : "xio3130-downstream sits below an x3130-upstream (give it bus=ID of one)");
        }
        boolean belowPort = bus.bridge != null && bus.bridge.isPort();
        if (bridge == Bridge.ROOT_PORT && bus != root) {
            throw line.error("pcie-root-port sits on the root bus (" + ROOT_BUS + "), not on " + bus.name);
        }
        if (bridge == Bridge.UPSTREAM && !belowPort) {
            throw line.error("x3130-upstream sits below a pcie-root-port or xio3130-downstream (give it bus=ID)");
        }
        if (bridge == Bridge.PCIE_PCI_BRIDGE && !belowPort) {
            throw line.error(
                    "pcie-pci-bridge sits below a pcie-root-port or xio3130-downstream; elsewhere use" + " pci-bridge");
        }
        if (bridge == Bridge.PCI_BRIDGE && belowPort) {
            throw line.error("below a PCIe port a bridge to conventional PCI is a pcie-pci-bridge");
        }
        return bus;
    }

    /** addr=SLOT[.FN], or the lowest free slot; a port's link carries slot 00 only. */
    private static int address(Line line, Bus bus, String addr) {
        boolean link = bus.bridge != null && bus.bridge.isPort();
        if (addr == null) {
            int first = bus.bridge == null ? 4 : 0;
            for (int i = 0; i < 32; i++) {
                int slot = (first + i) % 32;
                if (link && slot != 0) {
                    break;
                }
                if (bus.functions.subMap(slot << 3, true, slot << 3 | 7, true).isEmpty()) {
                    return slot << 3;
                }
            }
            throw line.error("no free slot on " + bus.name + (link ? " (a PCIe link carries slot 00 only)" : ""));
        }
        Matcher m = ADDR.matcher(addr);
        int slot = m.matches() ? Integer.parseInt(m.group(1), 16) : -1;
        if (slot < 0 || slot > 0x1f) {
            throw line.error("addr=" + addr + " is not SLOT[.FUNCTION] (slot 00-1f hexadecimal, function 0-7)");
        }
        if (link && slot != 0) {
            throw line.error("addr=" + addr + ": below " + bus.name + " (a PCIe port) only slot 00 exists");
        }
        int devfn = slot << 3 | (m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
        Placed taken = bus.functions.get(devfn);
        if (taken != null) {
            throw line.error(String.format(
                    Locale.ROOT,
                    "addr %02x.%d on %s is taken by %s",
                    slot,
                    devfn & 7,
                    bus.name,
                    taken.line().text()));
        }
        return devfn;
    }

    private static List<PciNode> nodes(Bus bus) {
        List<PciNode> nodes = new ArrayList<>();
        for (Placed p : bus.functions.values()) {
            if ((p.devfn() & 7) != 0 && !bus.functions.containsKey(p.devfn() & ~7)) {
                throw p.line()
                        .error(String.format(
                                Locale.ROOT,
                                "slot %02x of %s has no function 0 (Linux finds a slot's functions through"
                                        + " function 0)",
                                p.devfn() >> 3,
                                bus.name));
            }
            nodes.add(node(p));
        }
        return nodes;
    }

    private static PciNode node(Placed p) {
        int device = p.devfn() >> 3;
        int function = p.devfn() & 7;
        if (p.bridge() == null) {
            return new PciNode.Endpoint(device, function, p.endpoint());
        }
        DeviceProperties props = new DeviceProperties(p.props(), false);
        List<PciNode> below = nodes(p.below());
        return switch (p.bridge()) {
            case ROOT_PORT, DOWNSTREAM -> {
                try {
                    yield new PciNode.Port(
                            device, function, props.bool("acs", true), props.bool("hotplug", false), below);
                } catch (IllegalArgumentException e) {
                    throw p.line().error(e.getMessage());
                }
            }
            case UPSTREAM ->
                new PciNode.UpstreamPort(
                        device,
                        function,
                        below.stream().map(PciNode.Port.class::cast).toList());
            case PCI_BRIDGE, PCIE_PCI_BRIDGE -> new PciNode.PciBridge(device, function, below);
        };
    }
}
