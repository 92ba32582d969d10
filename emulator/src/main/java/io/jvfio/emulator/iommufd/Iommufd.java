package io.jvfio.emulator.iommufd;

import io.jvfio.emulator.DeviceNode;
import io.jvfio.emulator.KernelServices;

/** The iommufd subsystem's entry points: its device nodes. */
public final class Iommufd {
    private Iommufd() {}

    /** Registers /dev/iommu in a new kernel. */
    public static void install(KernelServices kernel) {
        kernel.vfs().register("/dev/iommu", (k, flags) -> new IommufdFile(k, flags, false));
    }

    /**
     * The node VFIO registers at /dev/vfio/vfio when iommufd provides the container
     * (CONFIG_IOMMUFD_VFIO_CONTAINER): an iommufd that charges pins per process.
     */
    public static DeviceNode vfioContainerNode() {
        return (k, flags) -> new IommufdFile(k, flags, true);
    }
}
