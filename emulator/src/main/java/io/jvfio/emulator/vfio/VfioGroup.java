package io.jvfio.emulator.vfio;

import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.sysfs.ClassDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A VFIO group ({@code struct vfio_group}): the VFIO devices of one IOMMU group, opened as a whole
 * through /dev/vfio/N (or /dev/vfio/noiommu-N). Exists while at least one of its devices is
 * registered.
 */
final class VfioGroup {
    final int id;
    final boolean noiommu;
    /** The IOMMU group; null for a fake (no-IOMMU or emulated) group. */
    final Group iommuGroup;
    /** {@code group_lock}: the open file, the iommufd and the cdev count. */
    final ReentrantLock lock = new ReentrantLock();
    /** Registered devices ({@code device_list}); guarded by itself. */
    final List<VfioDevice> devices = new ArrayList<>();
    /** Drivers' references ({@code drivers}): one per registered device; the group goes with the last. */
    volatile int drivers = 1;

    /** The group's char device /dev/vfio/NAME ({@code group->dev}, {@code group->cdev}). */
    ClassDevice dev;

    VfioGroupFile openedFile;
    /** The iommufd set with SET_CONTAINER ({@code group->iommufd}), or null. */
    IommufdCtx iommufd;

    int cdevDeviceOpenCount;
    /** Set by kvm-vfio; devices take it at their first open. */
    volatile KvmHandle kvm;

    /** {@code emulated}: the singleton group of a device without an IOMMU ({@code VFIO_EMULATED_IOMMU}). */
    VfioGroup(int id, Group iommuGroup, boolean emulated) {
        this.id = id;
        this.noiommu = iommuGroup == null && !emulated;
        this.iommuGroup = iommuGroup;
    }

    boolean noiommu() {
        return noiommu;
    }

    /** The name of the group's node below /dev/vfio. */
    String name() {
        return (noiommu ? "noiommu-" : "") + id;
    }
}
