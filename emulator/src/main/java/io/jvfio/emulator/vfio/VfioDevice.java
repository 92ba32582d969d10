package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.iommufd.IommufdDevice;
import io.jvfio.emulator.kvm.Kvm;
import java.util.Set;
import java.util.TreeSet;

/**
 * A device user space can own through VFIO ({@code struct vfio_device}). A bus driver (vfio-pci)
 * creates one in its probe with its {@link VfioDeviceOps}, optionally puts it in a device set
 * ({@link Vfio#assignDeviceSet}), and registers it ({@link Vfio#registerGroupDev}), which creates
 * /dev/vfio/devices/vfioN and joins the VFIO group; its remove calls {@link
 * Vfio#unregisterGroupDev}, which waits until user space has closed every file of the device.
 *
 * <p>State that the core changes while opening and closing is guarded by the device set's lock.
 */
public final class VfioDevice {
    private final PciDevice dev;
    private final VfioDeviceOps ops;
    VfioDeviceSet devSet;
    VfioGroup group;
    int index = -1;

    /** Opens through files that were granted access (guarded by the device set's lock). */
    int openCount;
    /** Opened through its cdev (BIND_IOMMUFD succeeded and the fd is not closed). */
    boolean cdevOpened;
    /** The VM the device was opened for, taken at the first open (guarded by the device set's lock). */
    Kvm kvm;

    /** The iommufd binding ({@code iommufd_device}), null when not bound (guarded by the device set's lock). */
    IommufdDevice iommufdDevice;
    /** The RID is attached to a page table. */
    boolean iommufdAttached;
    /** Attached PASIDs. */
    final Set<Integer> pasids = new TreeSet<>();

    /** Registration references: the registration itself plus one per open file ({@code refcount}). */
    private int registrations;

    public VfioDevice(PciDevice dev, VfioDeviceOps ops) {
        this.dev = dev;
        this.ops = ops;
    }

    /** The physical device ({@code vdev->dev}). */
    public PciDevice dev() {
        return dev;
    }

    public VfioDeviceOps ops() {
        return ops;
    }

    /** The device name, which is the PCI device's ("0000:00:04.0"). */
    public String name() {
        return dev.name();
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
    public Kvm kvm() {
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
        Group group = dev.iommuGroup();
        if (group == null) {
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
