package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommufd.IommufdAccess;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.iommufd.IommufdDevice;
import java.util.Set;
import java.util.TreeSet;

/**
 * A device user space can own through VFIO ({@code struct vfio_device}). A bus driver (vfio-pci)
 * creates one in its probe with its {@link VfioDeviceOps}, optionally puts it in a device set
 * ({@link Vfio#assignDeviceSet}), and registers it ({@link Vfio#registerGroupDev}), which creates
 * /dev/vfio/devices/vfioN and joins the VFIO group; its remove calls {@link
 * Vfio#unregisterGroupDev}, which waits until user space has closed every file of the device.
 *
 * <p>A device is either a physical PCI function bound through its IOMMU ({@link
 * #VfioDevice(PciDevice, VfioDeviceOps)}) or an emulated one ({@link #emulated}, an mdev), which
 * has no IOMMU of its own: it gets a singleton group and reaches memory through an iommufd access
 * object ({@code vfio_register_emulated_iommu_dev}, {@code vfio_iommufd_emulated_bind}).
 *
 * <p>State that the core changes while opening and closing is guarded by the device set's lock.
 */
public final class VfioDevice {
    /** The PCI function; null for an emulated device. */
    private final PciDevice dev;

    private final KernelServices kernel;
    private final String name;
    private final String sysfsDir;
    private final VfioDeviceOps ops;
    VfioDeviceSet devSet;
    VfioGroup group;
    int index = -1;

    /** Opens through files that were granted access (guarded by the device set's lock). */
    int openCount;
    /** Opened through its cdev (BIND_IOMMUFD succeeded and the fd is not closed). */
    boolean cdevOpened;
    /** The VM the device was opened for, taken at the first open (guarded by the device set's lock). */
    KvmHandle kvm;

    /** The iommufd binding ({@code iommufd_device}), null when not bound (guarded by the device set's lock). */
    IommufdDevice iommufdDevice;
    /** The RID is attached to a page table. */
    boolean iommufdAttached;
    /** The emulated binding ({@code iommufd_access}), null when not bound (guarded by the device set's lock). */
    IommufdAccess iommufdAccess;
    /** Attached PASIDs. */
    final Set<Integer> pasids = new TreeSet<>();

    /** Registration references: the registration itself plus one per open file ({@code refcount}). */
    private int registrations;

    /** {@code mig_ops}, {@code migration_flags} and {@code log_ops}: fixed before registration. */
    private VfioMigrationOps migOps;

    private int migrationFlags;
    private VfioLogOps logOps;
    /** User space opted in to MIG_PRECOPY_INFOv2 ({@code precopy_info_v2}); cleared at the last close. */
    volatile boolean precopyInfoV2;

    /** A physical PCI function, named and placed in sysfs as the function. */
    public VfioDevice(PciDevice dev, VfioDeviceOps ops) {
        this(dev, dev.bus().kernel(), dev.name(), dev.bus().sysfsPath(dev), ops);
    }

    private VfioDevice(PciDevice dev, KernelServices kernel, String name, String sysfsDir, VfioDeviceOps ops) {
        this.dev = dev;
        this.kernel = kernel;
        this.name = name;
        this.sysfsDir = sysfsDir;
        this.ops = ops;
    }

    /**
     * A device without an IOMMU of its own (an mdev), to be registered with {@link
     * Vfio#registerEmulatedIommuDev}; {@code sysfsDir} is its device directory.
     */
    public static VfioDevice emulated(KernelServices kernel, String name, String sysfsDir, VfioDeviceOps ops) {
        return new VfioDevice(null, kernel, name, sysfsDir, ops);
    }

    /** The physical device ({@code vdev->dev}); null for an emulated device. */
    public PciDevice dev() {
        return dev;
    }

    /** Whether the device binds through an iommufd access object rather than an IOMMU. */
    public boolean isEmulated() {
        return dev == null;
    }

    KernelServices kernel() {
        return kernel;
    }

    /** The device's sysfs directory (vfio-dev/vfioN goes below it). */
    String sysfsDir() {
        return sysfsDir;
    }

    /**
     * The access object of an emulated device bound to an iommufd ({@code vdev->iommufd_access}),
     * through which its driver pins or copies ({@code vfio_pin_pages}, {@code vfio_dma_rw}); null
     * when not bound. Read with the device set's lock held or while the device is open.
     */
    public IommufdAccess iommufdAccess() {
        return iommufdAccess;
    }

    public VfioDeviceOps ops() {
        return ops;
    }

    /**
     * Makes the device migrate: {@code flags} are VFIO_MIGRATION_* (STOP_COPY at least, as
     * vfio_pci_core_register_device insists). Call before registering the device.
     */
    public void setMigrationOps(VfioMigrationOps ops, int flags) {
        if (index >= 0 || (flags & VfioDeviceFeatureMigration.MIGRATION_STOP_COPY) == 0) {
            throw new IllegalStateException(this + ": migration ops need STOP_COPY and an unregistered device");
        }
        this.migOps = ops;
        this.migrationFlags = flags;
    }

    /** Gives the device DMA logging; call before registering it. */
    public void setLogOps(VfioLogOps ops) {
        if (index >= 0) {
            throw new IllegalStateException(this + " is registered");
        }
        this.logOps = ops;
    }

    /** {@code mig_ops}, or null for a device that does not migrate. */
    public VfioMigrationOps migrationOps() {
        return migOps;
    }

    /** {@code migration_flags}: VFIO_MIGRATION_*; 0 for a device that does not migrate. */
    public int migrationFlags() {
        return migrationFlags;
    }

    /** {@code log_ops}, or null. */
    public VfioLogOps logOps() {
        return logOps;
    }

    /** Whether user space opted in to VFIO_DEVICE_FEATURE_MIG_PRECOPY_INFOv2 since the first open. */
    public boolean precopyInfoV2() {
        return precopyInfoV2;
    }

    /** The device name: the PCI device's ("0000:00:04.0") or the mdev's UUID. */
    public String name() {
        return name;
    }

    /** N of vfioN; -1 before registration. */
    public int index() {
        return index;
    }

    /** The device set (a singleton set unless the driver assigned one before registering). */
    public VfioDeviceSet devSet() {
        return devSet;
    }

    /** {@code vfio_device_cdev_opened}: bound through its cdev; read with the device set's lock held. */
    public boolean cdevOpened() {
        return cdevOpened;
    }

    /** The VM user space associated with the device's file (kvm-vfio) at the first open, or null. */
    public KvmHandle kvm() {
        return kvm;
    }

    /** {@code vfio_iommufd_device_ictx}: the iommufd the device is bound to, or null; read with the device set's lock held. */
    public IommufdCtx iommufdCtx() {
        return iommufdDevice != null ? iommufdDevice.ctx() : null;
    }

    /**
     * {@code vfio_iommufd_get_dev_id} (hot reset ownership): the device's iommufd device ID when it is
     * bound to {@code ictx}; {@code -ENOENT} when it is not but a device of its IOMMU group is (owned,
     * no ID); {@code -ENODEV} when {@code ictx} does not own it. Call with the device set's lock held.
     */
    public int iommufdDevId(IommufdCtx ictx) {
        if (iommufdDevice != null && iommufdDevice.ctx() == ictx) {
            return iommufdDevice.id();
        }
        Group group = dev != null ? dev.iommuGroup() : null;
        if (group == null) { // no-IOMMU and emulated devices: no IOMMU group an iommufd could hold
            return -Errno.ENODEV.number();
        }
        return ictx.hasGroup(group) ? -Errno.ENOENT.number() : -Errno.ENODEV.number();
    }

    /** Whether the device sits in a fake no-IOMMU group (unsafe no-IOMMU mode). */
    public boolean isNoiommu() {
        return group != null && group.noiommu();
    }

    synchronized void startRegistration() {
        registrations = 1;
    }

    /** {@code vfio_device_try_get_registration}. */
    synchronized boolean tryGetRegistration() {
        if (registrations == 0) {
            return false;
        }
        registrations++;
        return true;
    }

    /** {@code vfio_device_put_registration}; the last put wakes the unregistering driver. */
    synchronized void putRegistration() {
        if (--registrations == 0) {
            notifyAll();
        }
    }

    /** Waits up to {@code millis} for the last registration reference to go; true if it went. */
    synchronized boolean awaitUnregistered(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        boolean interrupted = false;
        try {
            while (registrations > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    interrupted = true; // like the kernel, keep waiting after a signal
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "vfio" + index + " (" + name() + ")";
    }
}
