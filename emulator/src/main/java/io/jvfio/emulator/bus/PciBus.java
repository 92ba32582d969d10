package io.jvfio.emulator.bus;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.Vfs;
import io.jvfio.emulator.iommu.PciIommu;
import io.jvfio.emulator.pci.Bar;
import io.jvfio.emulator.pci.ConfigSpace;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciRegs;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.sysfs.SysfsAttribute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The PCI bus of the driver core ({@code pci_bus_type} with drivers/base): the enumerated devices,
 * the registered drivers, matching (driver_override, dynamic IDs, ID tables), probe and remove,
 * and their sysfs view: /sys/devices/pci0000:00/..., /sys/bus/pci/{devices,drivers,
 * drivers_probe,drivers_autoprobe} and /sys/kernel/iommu_groups. The bus's monitor is the
 * driver core's device lock: binding and unbinding are serialised.
 */
public final class PciBus {
    private static final String BUS = "/sys/bus/pci";
    /** Longest accepted driver_override (PAGE_SIZE - 1 bytes, newline included, is refused). */
    private static final int OVERRIDE_MAX = 4096 - 2;

    private final KernelServices kernel;
    private final Vfs vfs;
    private final PciTopology topology;
    private final Map<String, PciDevice> devices = new LinkedHashMap<>();
    private final Map<String, PciDriver> drivers = new LinkedHashMap<>();
    private final Map<String, List<int[]>> dynamicIds = new HashMap<>();
    private final Map<PciDevice, String> sysfsPaths = new HashMap<>();
    private final List<BusNotifier> notifiers = new ArrayList<>();
    private final PciIommu iommu;
    private final PciIov iov;

    private PciBus(KernelServices kernel, PciTopology topology, PciIommu iommu) {
        this.kernel = kernel;
        this.vfs = kernel.vfs();
        this.topology = topology;
        this.iommu = iommu;
        this.iov = new PciIov(this, vfs);
    }

    /**
     * Enumerates {@code topology} (devices unbound) and publishes the bus in sysfs. {@code iommu} is
     * the machine's IOMMU as probed for the topology, null for a machine without one (devices then
     * have no IOMMU group).
     */
    public static PciBus install(KernelServices kernel, PciTopology topology, PciIommu iommu) {
        PciBus bus = new PciBus(kernel, topology, iommu);
        bus.enumerate();
        Vfs vfs = kernel.vfs();
        vfs.register(BUS + "/drivers_probe", SysfsAttribute.writeOnly(bus::driversProbe));
        vfs.register(BUS + "/drivers_autoprobe", SysfsAttribute.readOnly(() -> "1\n"));
        return bus;
    }

    public KernelServices kernel() {
        return kernel;
    }

    public PciTopology topology() {
        return topology;
    }

    /** The device named {@code name} ("0000:00:04.0"). */
    public synchronized Optional<PciDevice> device(String name) {
        return Optional.ofNullable(devices.get(name));
    }

    /** The device's directory below /sys/devices (its parents' directories above it). */
    public synchronized String sysfsPath(PciDevice dev) {
        return sysfsPaths.get(dev);
    }

    /** {@code bus_register_notifier}. */
    public synchronized void registerNotifier(BusNotifier notifier) {
        notifiers.add(notifier);
    }

    /** {@code bus_unregister_notifier}. */
    public synchronized void unregisterNotifier(BusNotifier notifier) {
        notifiers.remove(notifier);
    }

    /**
     * {@code pci_enable_sriov}, for a PF driver's sriov_configure (the device lock held): EINVAL
     * while enabled or for a count outside 1..InitialVFs, ENOMEM for VFs the hierarchy has no room
     * for, ENODEV for a function that is not a PF.
     */
    public synchronized void enableSriov(PciDevice pf, int numVfs) {
        iov.enable(pf, numVfs);
    }

    /** {@code pci_disable_sriov}: every VF unbound and removed, VF Enable cleared. */
    public synchronized void disableSriov(PciDevice pf) {
        if (pf.isPhysfn()) {
            iov.disable(pf);
        }
    }

    /**
     * pci_iov_scan_device and pci_device_add for VF {@code id} of {@code pf}: placed in the hierarchy
     * and probed by the IOMMU, published beside the PF, the notifiers told (BUS_NOTIFY_ADD_DEVICE).
     */
    synchronized PciDevice addVirtfn(PciDevice pf, int id) {
        PciAddress at;
        try {
            at = topology.addVirtfn(pf.address(), id);
        } catch (IllegalStateException e) {
            throw new ErrnoException(Errno.ENOMEM, null, e.getMessage());
        }
        PciDevice vf = new PciDevice(
                this, at, topology.function(at).orElseThrow(), iommu != null ? iommu.probeDevice(at) : null, pf);
        String pfDir = sysfsPaths.get(pf);
        String dir = pfDir.substring(0, pfDir.lastIndexOf('/')) + "/" + at;
        devices.put(vf.name(), vf);
        sysfsPaths.put(vf, dir);
        publish(vf, dir);
        for (BusNotifier n : List.copyOf(notifiers)) {
            n.addDevice(vf);
        }
        return vf;
    }

    /** pci_bus_add_device: device_attach, whose failure leaves the device unbound. */
    synchronized void busAddDevice(PciDevice dev) {
        try {
            attach(dev);
        } catch (ErrnoException e) {
            // the device stays on the bus without a driver
        }
    }

    /** pci_stop_and_remove_bus_device for a VF: unbound, its sysfs gone, out of its IOMMU group. */
    synchronized void removeVirtfn(PciDevice vf) {
        releaseDriver(vf);
        String dir = sysfsPaths.remove(vf);
        vfs.unregisterTree(dir);
        vfs.unregister(BUS + "/devices/" + vf.name());
        if (vf.iommuGroup() != null) {
            vfs.unregister("/sys/kernel/iommu_groups/" + vf.iommuGroup().id() + "/devices/" + vf.name());
            iommu.releaseDevice(vf.address());
        }
        devices.remove(vf.name());
        topology.removeVirtfn(vf.address());
    }

    /**
     * {@code pci_register_driver}: publishes /sys/bus/pci/drivers/NAME and binds the driver to
     * every unbound device it matches.
     */
    public synchronized void registerDriver(PciDriver driver) {
        if (drivers.putIfAbsent(driver.name(), driver) != null) {
            throw new IllegalStateException("driver " + driver.name() + " registered twice");
        }
        String dir = BUS + "/drivers/" + driver.name();
        vfs.register(dir + "/bind", SysfsAttribute.writeOnly(s -> bind(driver, s)));
        vfs.register(dir + "/unbind", SysfsAttribute.writeOnly(s -> unbind(driver, s)));
        vfs.register(dir + "/new_id", SysfsAttribute.writeOnly(s -> newId(driver, s)));
        for (PciDevice dev : devices.values()) {
            if (dev.driver == null && matches(driver, dev)) {
                try {
                    probe(driver, dev);
                } catch (ErrnoException e) {
                    // driver_attach ignores a failed probe and goes on with the next device
                }
            }
        }
    }

    /** {@code device_release_driver}: unbinds {@code dev} from its driver, if any. */
    private void releaseDriver(PciDevice dev) {
        PciDriver driver = dev.driver;
        if (driver == null) {
            return;
        }
        driver.remove(dev);
        dev.setDriverData(null);
        if (!driver.driverManagedDma() && dev.iommuGroup() != null) {
            dev.iommuGroup().unuseDefaultDomain();
        }
        dev.driver = null;
        vfs.unregister(sysfsPaths.get(dev) + "/driver");
        vfs.unregister(BUS + "/drivers/" + driver.name() + "/" + dev.name());
    }

    /** {@code device_attach} for one device: the first matching driver whose probe succeeds. */
    private void attach(PciDevice dev) {
        if (dev.driver != null) {
            return;
        }
        for (PciDriver driver : drivers.values()) {
            if (matches(driver, dev)) {
                probe(driver, dev);
                return;
            }
        }
    }

    private void enumerate() {
        Map<Integer, String> busDirs = new HashMap<>();
        busDirs.put(0, "/sys/devices/pci0000:00");
        for (PciFunction f : topology.functions()) {
            PciAddress a = f.address();
            PciDevice dev =
                    new PciDevice(this, a, f, iommu != null ? iommu.device(a).orElseThrow() : null, null);
            String dir = busDirs.get(a.bus()) + "/" + a;
            devices.put(dev.name(), dev);
            sysfsPaths.put(dev, dir);
            if (f.isBridge()) {
                busDirs.put(f.config().read(PciRegs.SECONDARY_BUS, 1), dir);
            }
            publish(dev, dir);
        }
    }

    private void publish(PciDevice dev, String dir) {
        ConfigSpace c = dev.function().config();
        vfs.register(dir + "/vendor", hex(c, PciRegs.VENDOR_ID, 2, 4));
        vfs.register(dir + "/device", hex(c, PciRegs.DEVICE_ID, 2, 4));
        vfs.register(dir + "/subsystem_vendor", hex(c, PciRegs.SUBSYSTEM_VENDOR_ID, 2, 4));
        vfs.register(dir + "/subsystem_device", hex(c, PciRegs.SUBSYSTEM_ID, 2, 4));
        vfs.register(
                dir + "/class",
                SysfsAttribute.readOnly(() -> String.format("0x%06x%n", c.read(PciRegs.CLASS_REVISION, 4) >>> 8)));
        vfs.register(
                dir + "/revision",
                SysfsAttribute.readOnly(() -> String.format("0x%02x%n", c.read(PciRegs.CLASS_REVISION, 1))));
        vfs.register(dir + "/resource", SysfsAttribute.readOnly(() -> resources(dev.function())));
        // The emulated user counts as privileged (CAP_SYS_ADMIN): all of config space is readable.
        vfs.register(dir + "/config", SysfsAttribute.binary(() -> configBytes(dev.function())));
        vfs.register(dir + "/power_state", SysfsAttribute.readOnly(() -> powerState(dev.function()) + "\n"));
        vfs.register(
                dir + "/driver_override",
                SysfsAttribute.readWrite(
                        () -> {
                            synchronized (this) {
                                // sysfs_emit's %s prints "(null)" for an unset override
                                return (dev.driverOverride == null ? "(null)" : dev.driverOverride) + "\n";
                            }
                        },
                        s -> driverOverrideStore(dev, s)));
        vfs.symlink(BUS + "/devices/" + dev.name(), "../../.." + dir.substring("/sys".length()));
        if (dev.iommuGroup() != null) {
            String group = "/sys/kernel/iommu_groups/" + dev.iommuGroup().id();
            vfs.symlink(dir + "/iommu_group", relative(dir, group));
            vfs.symlink(group + "/devices/" + dev.name(), relative(group + "/devices", dir));
        }
        iov.publish(dev, dir);
    }

    // include/linux/ioport.h
    private static final long IORESOURCE_IO = 0x100;
    private static final long IORESOURCE_MEM = 0x200;
    private static final long IORESOURCE_PREFETCH = 0x2000;
    private static final long IORESOURCE_SIZEALIGN = 0x40000;
    private static final long IORESOURCE_MEM_64 = 0x100000;
    /** The resources resource_show lists for a function that is not a bridge: BAR0-5 and the ROM. */
    private static final int RESOURCES = 7;

    /**
     * resource_show: "start end flags" per resource, each %016llx; an unimplemented BAR (or the upper
     * half of a 64-bit one) and the ROM (none is modelled) are all zeros. The flags are the
     * resource's IORESOURCE_* with the BAR register's low bits, as __pci_read_base sets them.
     */
    private static String resources(PciFunction f) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < RESOURCES; i++) {
            long start = 0;
            long end = 0;
            long flags = 0;
            Optional<Bar> bar = i < 6 ? f.bar(i) : Optional.empty();
            if (bar.isPresent()) {
                Bar b = bar.get();
                long low = f.config().read(PciRegs.BASE_ADDRESS_0 + 4 * i, 4) & 0xffffffffL;
                if (b.type() == Bar.Type.IO) {
                    start = low & ~0x3L;
                    flags = IORESOURCE_IO | IORESOURCE_SIZEALIGN | (low & 0x3);
                } else {
                    long high = b.type() == Bar.Type.MEMORY_64
                            ? f.config().read(PciRegs.BASE_ADDRESS_0 + 4 * i + 4, 4) & 0xffffffffL
                            : 0;
                    start = (high << 32) | (low & ~0xfL);
                    flags = IORESOURCE_MEM
                            | IORESOURCE_SIZEALIGN
                            | (low & 0xf)
                            | (b.prefetchable() ? IORESOURCE_PREFETCH : 0)
                            | (b.type() == Bar.Type.MEMORY_64 ? IORESOURCE_MEM_64 : 0);
                }
                end = start + b.size() - 1;
            }
            sb.append(String.format("0x%016x 0x%016x 0x%016x%n", start, end, flags));
        }
        return sb.toString();
    }

    private static byte[] configBytes(PciFunction f) {
        byte[] b = new byte[f.configSize()];
        for (int i = 0; i < b.length; i += 4) {
            int v = f.config().read(i, 4);
            for (int j = 0; j < 4; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }

    /**
     * pci_power_name of the function's state: its PM control register's state, D0 for a function
     * without PM (the PCI core cannot change its state).
     */
    private static String powerState(PciFunction f) {
        ConfigSpace c = f.config();
        if ((c.read(PciRegs.STATUS, 2) & PciRegs.STATUS_CAP_LIST) != 0) {
            for (int pos = c.read(PciRegs.CAPABILITY_LIST, 1), n = 0; pos != 0 && n < 48; n++) {
                if (c.read(pos, 1) == PciRegs.CAP_ID_PM) {
                    return List.of("D0", "D1", "D2", "D3hot")
                            .get(c.read(pos + PciRegs.PM_CTRL, 2) & PciRegs.PM_CTRL_STATE_MASK);
                }
                pos = c.read(pos + PciRegs.CAP_LIST_NEXT, 1);
            }
        }
        return "D0";
    }

    private static SysfsAttribute hex(ConfigSpace c, int offset, int size, int digits) {
        return SysfsAttribute.readOnly(() -> String.format("0x%0" + digits + "x%n", c.read(offset, size)));
    }

    /** The relative link from a file in directory {@code fromDir} to {@code to}, as sysfs writes links. */
    public static String relative(String fromDir, String to) {
        String[] from = fromDir.substring(1).split("/");
        String[] target = to.substring(1).split("/");
        int common = 0;
        while (common < from.length && common < target.length && from[common].equals(target[common])) {
            common++;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = common; i < from.length; i++) {
            sb.append("../");
        }
        for (int i = common; i < target.length; i++) {
            sb.append(target[i]).append(i + 1 < target.length ? "/" : "");
        }
        return sb.toString();
    }

    /** {@code device_set_driver_override}: what a driver sets for devices it captures (VFs of its PFs). */
    public synchronized void setDriverOverride(PciDevice dev, String driverName) {
        dev.driverOverride = driverName;
    }

    private synchronized void driverOverrideStore(PciDevice dev, String s) {
        if (s.length() >= OVERRIDE_MAX + 1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        int nul = s.indexOf('\0');
        String v = nul >= 0 ? s.substring(0, nul) : s;
        int nl = v.indexOf('\n');
        v = nl >= 0 ? v.substring(0, nl) : v;
        dev.driverOverride = v.isEmpty() ? null : v;
    }

    /** pci_match_device: driver_override decides alone when set, else dynamic IDs, then the ID table. */
    private boolean matches(PciDriver driver, PciDevice dev) {
        if (dev.driverOverride != null) {
            return dev.driverOverride.equals(driver.name());
        }
        ConfigSpace c = dev.function().config();
        int vendor = c.read(PciRegs.VENDOR_ID, 2);
        int device = c.read(PciRegs.DEVICE_ID, 2);
        for (int[] id : dynamicIds.getOrDefault(driver.name(), List.of())) {
            if (id[0] == vendor && id[1] == device) {
                return true;
            }
        }
        return driver.matchesIdTable(dev);
    }

    /**
     * really_probe: a driver that uses the kernel's DMA API takes the group's default domain first
     * (EBUSY while user space owns the group); then the driver's probe; then the sysfs links.
     */
    private void probe(PciDriver driver, PciDevice dev) {
        if (dev.driver != null) {
            throw new ErrnoException(Errno.EBUSY);
        }
        // pci_device_can_probe: a VF binds by itself only while its PF's sriov_drivers_autoprobe is set
        if (dev.isVirtfn() && !dev.physfn().driversAutoprobe && dev.driverOverride == null) {
            throw new ErrnoException(Errno.ENODEV);
        }
        boolean kernelDma = !driver.driverManagedDma() && dev.iommuGroup() != null;
        if (kernelDma) {
            dev.iommuGroup().useDefaultDomain();
        }
        try {
            dev.driver = driver;
            driver.probe(dev);
        } catch (RuntimeException e) {
            dev.driver = null;
            dev.setDriverData(null);
            if (kernelDma) {
                dev.iommuGroup().unuseDefaultDomain();
            }
            throw e;
        }
        String dir = sysfsPaths.get(dev);
        String driverDir = BUS + "/drivers/" + driver.name();
        vfs.symlink(dir + "/driver", relative(dir, driverDir));
        vfs.symlink(driverDir + "/" + dev.name(), relative(driverDir, dir));
    }

    /** bus_find_device_by_name: sysfs_streq, so one trailing newline is ignored. */
    private PciDevice findByName(String buf) {
        String name = buf.endsWith("\n") ? buf.substring(0, buf.length() - 1) : buf;
        return devices.get(name);
    }

    private synchronized void bind(PciDriver driver, String buf) {
        PciDevice dev = findByName(buf);
        if (dev == null || !matches(driver, dev)) {
            throw new ErrnoException(Errno.ENODEV);
        }
        probe(driver, dev);
    }

    private synchronized void unbind(PciDriver driver, String buf) {
        PciDevice dev = findByName(buf);
        if (dev == null || dev.driver != driver) {
            throw new ErrnoException(Errno.ENODEV);
        }
        releaseDriver(dev);
    }

    /** drivers_probe: a device that is bound, or that no driver takes, is success; a failed probe is EINVAL. */
    private synchronized void driversProbe(String buf) {
        PciDevice dev = findByName(buf);
        if (dev == null) {
            throw new ErrnoException(Errno.ENODEV);
        }
        try {
            attach(dev);
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    /** new_id: "vendor device [subvendor subdevice class class_mask driver_data]" in hex; binds what now matches. */
    private synchronized void newId(PciDriver driver, String buf) {
        String[] f = buf.trim().split("\\s+");
        int[] id;
        try {
            if (f.length < 2) {
                throw new NumberFormatException();
            }
            id = new int[] {Integer.parseUnsignedInt(f[0], 16), Integer.parseUnsignedInt(f[1], 16)};
        } catch (NumberFormatException e) {
            throw new ErrnoException(Errno.EINVAL);
        }
        dynamicIds.computeIfAbsent(driver.name(), k -> new ArrayList<>()).add(id);
        for (PciDevice dev : devices.values()) {
            if (dev.driver == null && matches(driver, dev)) {
                try {
                    probe(driver, dev);
                } catch (ErrnoException e) {
                    // driver_attach goes on with the next device
                }
            }
        }
    }
}
