package io.jvfio.emulator.iommufd;

import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.sysfs.ClassDevice;

/** The iommufd subsystem's entry points: its device nodes. */
public final class Iommufd {
    /**
     * /dev/iommu's minor: dynamic on Linux, the first one (MISC_DYNAMIC_MINOR + 1), since no
     * other misc device of the emulated kernel asks for a dynamic minor.
     */
    static final int IOMMU_MINOR = 256;
    /** VFIO_MINOR: /dev/vfio/vfio's fixed misc minor. */
    static final int VFIO_MINOR = 196;

    private Iommufd() {}

    /** Registers /dev/iommu (misc, mode 0660) in a new kernel. */
    public static void install(KernelServices kernel) {
        ClassDevice.misc(kernel, "iommu", "iommu", IOMMU_MINOR, 0660, (k, flags) -> new IommufdFile(k, flags, false));
    }

    /**
     * The misc device VFIO registers at /dev/vfio/vfio (mode 0666) when iommufd provides the
     * container (CONFIG_IOMMUFD_VFIO_CONTAINER): an iommufd that charges pins per process.
     */
    public static void installVfioContainer(KernelServices kernel) {
        ClassDevice.misc(kernel, "vfio", "vfio/vfio", VFIO_MINOR, 0666, (k, flags) -> new IommufdFile(k, flags, true));
    }
}
