package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.CharDevice;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.bus.PciBus;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommufd.Iommufd;
import io.jvfio.emulator.sysfs.ClassDevice;
import io.jvfio.emulator.sysfs.ModuleParams;
import io.jvfio.emulator.sysfs.SysfsAttribute;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The VFIO core of one kernel ({@code struct vfio} and the driver API of vfio_main.c): device
 * registration, device sets, the device cdevs /dev/vfio/devices/vfioN and, unless the group
 * infrastructure is configured out ({@code CONFIG_VFIO_GROUP}), the groups /dev/vfio/N and the
 * container /dev/vfio/vfio (served by iommufd's compatibility layer).
 */
public final class Vfio {
    /**
     * The majors of the group nodes ("vfio") and device cdevs ("vfio-dev"): dynamic on Linux,
     * taken downwards from 254 by alloc_chrdev_region, the groups' first (vfio_group_init runs
     * before vfio_cdev_init).
     */
    private static final int VFIO_GROUP_MAJOR = 237;

    private static final int VFIO_DEV_MAJOR = 236;

    private final KernelServices kernel;
    private final PciBus bus;
    private final boolean groupEnabled;
    /**
     * vfio.enable_unsafe_noiommu_mode (0644, /sys/module/vfio/parameters): from the kernel command
     * line (the config), read when a device without an IOMMU group registers, as vfio_group_find_or_alloc does.
     */
    private final ModuleParams.BoolParam noiommu;

    private final BitSet deviceIndexes = new BitSet();
    /** The group nodes' minors ({@code group_ida}); guarded by {@link #groups}. */
    private final BitSet groupMinors = new BitSet();

    private final Map<Object, VfioDeviceSet> deviceSets = new HashMap<>();
    /** Groups by IOMMU group ID (fake IDs for no-IOMMU groups); guarded by itself ({@code group_lock}). */
    private final Map<Integer, VfioGroup> groups = new HashMap<>();

    private Vfio(KernelServices kernel, PciBus bus) {
        this.kernel = kernel;
        this.bus = bus;
        this.groupEnabled = kernel.config().vfioGroup();
        this.noiommu = new ModuleParams(kernel.vfs(), "vfio").bool("enable_unsafe_noiommu_mode", 0644);
        noiommu.set(kernel.config().noiommu());
    }

    /** Loads the VFIO core into {@code kernel}; registers /dev/vfio/vfio when groups are configured. */
    public static Vfio install(KernelServices kernel, PciBus bus) {
        Vfio vfio = new Vfio(kernel, bus);
        if (vfio.groupEnabled) {
            Iommufd.installVfioContainer(kernel);
        }
        return vfio;
    }

    /** Whether the group infrastructure exists ({@code CONFIG_VFIO_GROUP}). */
    public boolean groupEnabled() {
        return groupEnabled;
    }

    /**
     * {@code vfio_assign_device_set}: puts {@code device} into the set keyed by {@code setId}
     * (created on first use); call before {@link #registerGroupDev}. Devices sharing a hot reset
     * share a set.
     */
    public void assignDeviceSet(VfioDevice device, Object setId) {
        VfioDeviceSet set;
        synchronized (deviceSets) {
            set = deviceSets.computeIfAbsent(setId, VfioDeviceSet::new);
        }
        synchronized (set.devices) {
            set.devices.add(device);
        }
        device.devSet = set;
    }

    /**
     * {@code vfio_register_group_dev}: makes {@code device} available to user space: joins (or
     * creates) its VFIO group, creates /dev/vfio/devices/vfioN (none for a no-IOMMU device) and
     * the sysfs entries. EINVAL if the device has no IOMMU group and no-IOMMU mode is off.
     */
    public void registerGroupDev(VfioDevice device) {
        if (device.isEmulated()) {
            throw new IllegalArgumentException(device + " has no IOMMU: use registerEmulatedIommuDev");
        }
        register(device);
    }

    /**
     * {@code vfio_register_emulated_iommu_dev}: registers a device without an IOMMU of its own
     * ({@link VfioDevice#emulated}) in a singleton group of its own; it binds to an iommufd
     * through an access object.
     */
    public void registerEmulatedIommuDev(VfioDevice device) {
        if (!device.isEmulated()) {
            throw new IllegalArgumentException(device + " is physical: use registerGroupDev");
        }
        register(device);
    }

    /** {@code __vfio_register_dev}. */
    private void register(VfioDevice device) {
        if (device.devSet == null) {
            assignDeviceSet(device, device);
        }
        synchronized (deviceIndexes) {
            device.index = deviceIndexes.nextClearBit(0);
            deviceIndexes.set(device.index);
        }
        try {
            setGroup(device);
        } catch (RuntimeException e) {
            releaseDeviceSet(device);
            freeIndex(device);
            throw e;
        }
        String name = "vfio" + device.index;
        String sysDir = device.sysfsDir() + "/vfio-dev/" + name;
        CharDevice cdev = new CharDevice(
                VFIO_DEV_MAJOR, device.index, 0600, (k, flags) -> VfioDeviceFile.cdevOpen(device, flags));
        kernel.vfs().register(sysDir + "/dev", SysfsAttribute.readOnly(cdev::dev));
        kernel.vfs().symlink("/sys/class/vfio-dev/" + name, PciBus.relative("/sys/class/vfio-dev", sysDir));
        if (!device.isNoiommu()) {
            // cdev does not support no-IOMMU devices
            kernel.vfs().register("/dev/vfio/devices/" + name, cdev);
        }
        if (device.isEmulated() && device.group != null) {
            // vfio_device_set_group's iommu_group_add_device for the group of an emulated device
            String groupDir = "/sys/kernel/iommu_groups/" + device.group.id;
            kernel.vfs().symlink(device.sysfsDir() + "/iommu_group", PciBus.relative(device.sysfsDir(), groupDir));
            kernel.vfs()
                    .symlink(
                            groupDir + "/devices/" + device.name(),
                            PciBus.relative(groupDir + "/devices", device.sysfsDir()));
        }
        device.startRegistration();
        if (device.group != null) {
            synchronized (device.group.devices) {
                device.group.devices.add(device);
            }
        }
    }

    /**
     * {@code vfio_unregister_group_dev}: removes the nodes so that nobody opens the device again,
     * then waits until every file of the device is closed, asking the driver to make user space
     * let go ({@link VfioDeviceOps#request}) every 10 seconds.
     */
    public void unregisterGroupDev(VfioDevice device) {
        if (device.group != null) {
            synchronized (device.group.devices) {
                device.group.devices.remove(device);
            }
        }
        String name = "vfio" + device.index;
        if (!device.isNoiommu()) {
            kernel.vfs().unregister("/dev/vfio/devices/" + name);
        }
        kernel.vfs().unregister("/sys/class/vfio-dev/" + name);
        kernel.vfs().unregister(device.sysfsDir() + "/vfio-dev/" + name + "/dev");
        if (device.isEmulated() && device.group != null) {
            kernel.vfs().unregister(device.sysfsDir() + "/iommu_group");
            kernel.vfs().unregister("/sys/kernel/iommu_groups/" + device.group.id + "/devices/" + device.name());
        }
        device.putRegistration();
        for (int i = 0; !device.awaitUnregistered(i == 0 ? 0 : 10_000); i++) {
            device.ops().request(device, i);
        }
        removeGroup(device);
        releaseDeviceSet(device);
        freeIndex(device);
    }

    private void freeIndex(VfioDevice device) {
        synchronized (deviceIndexes) {
            deviceIndexes.clear(device.index);
        }
    }

    private void releaseDeviceSet(VfioDevice device) {
        VfioDeviceSet set = device.devSet;
        synchronized (deviceSets) {
            synchronized (set.devices) {
                set.devices.remove(device);
                if (set.devices.isEmpty()) {
                    deviceSets.remove(set.setId());
                }
            }
        }
    }

    /** {@code vfio_device_set_group}: the device's VFIO group, found or created. */
    private void setGroup(VfioDevice device) {
        PciDevice dev = device.dev();
        if (!groupEnabled) {
            if (dev != null && dev.iommuGroup() == null) {
                throw new ErrnoException(Errno.EINVAL);
            }
            return;
        }
        synchronized (groups) {
            if (dev == null) {
                device.group = createGroup(fakeGroupId(), null, true);
                return;
            }
            if (dev.iommuGroup() == null) {
                if (!noiommu.get()) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                device.group = createGroup(fakeGroupId(), null, false);
                return;
            }
            VfioGroup g = groups.get(dev.iommuGroup().id());
            if (g != null) {
                g.drivers++;
            } else {
                g = createGroup(dev.iommuGroup().id(), dev.iommuGroup(), false);
            }
            device.group = g;
        }
    }

    /** {@code iommu_group_alloc}: the lowest free IOMMU group ID, shared with the PCI groups (VFs' too). */
    private int fakeGroupId() {
        return bus.topology().reserveGroupId();
    }

    private VfioGroup createGroup(int id, Group iommuGroup, boolean emulated) {
        VfioGroup g = new VfioGroup(id, iommuGroup, emulated);
        groups.put(id, g);
        int minor = groupMinors.nextClearBit(0);
        g.dev = ClassDevice.create(
                kernel,
                "/dev/vfio/" + g.name(),
                "vfio",
                g.name(),
                new CharDevice(VFIO_GROUP_MAJOR, minor, 0600, (k, flags) -> VfioGroupFile.open(g, k, flags)));
        groupMinors.set(minor);
        if (iommuGroup == null) {
            // the fake IOMMU group sysfs shows for a no-IOMMU or emulated device
            String dir = "/sys/kernel/iommu_groups/" + id;
            kernel.vfs().register(dir + "/name", SysfsAttribute.readOnly(() -> "vfio-noiommu\n"));
        }
        return g;
    }

    /** {@code vfio_device_remove_group}: drops the device's reference; the last one removes the group. */
    private void removeGroup(VfioDevice device) {
        VfioGroup g = device.group;
        if (g == null) {
            return;
        }
        synchronized (groups) {
            if (--g.drivers > 0) {
                return;
            }
            groups.remove(g.id);
            g.dev.destroy();
            groupMinors.clear(g.dev.device().minor());
            if (g.iommuGroup == null) {
                kernel.vfs().unregister("/sys/kernel/iommu_groups/" + g.id + "/name");
                bus.topology().releaseGroupId(g.id);
            }
        }
    }

    /** {@code vfio_file_is_group}: whether {@code file} is an open VFIO group. */
    public static boolean fileIsGroup(OpenFile file) {
        return file instanceof VfioGroupFile;
    }

    /** {@code vfio_file_has_dev}: whether {@code file} is the open group of {@code device}. */
    public static boolean fileHasDev(OpenFile file, VfioDevice device) {
        return file instanceof VfioGroupFile g && g.group == device.group;
    }

    /** {@code vfio_file_is_valid}: a group or a device file (what kvm-vfio accepts). */
    public static boolean fileIsValid(OpenFile file) {
        return file instanceof VfioGroupFile || file instanceof VfioDeviceFile;
    }

    /** {@code vfio_file_set_kvm}: the VM the devices opened through {@code file} will belong to (null: none). */
    public static void fileSetKvm(OpenFile file, KvmHandle kvm) {
        if (file instanceof VfioGroupFile g) {
            g.group.kvm = kvm;
        } else if (file instanceof VfioDeviceFile d) {
            d.kvm = kvm;
        }
    }
}
