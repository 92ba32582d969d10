/**
 * The emulated Linux 7.2 kernel. Exported: the kernel services and module SPI, boot (the kernel and
 * its platform description), and what a device model or an mdev driver builds on (pci, vfio,
 * vfio.mdev, vfio.migration: docs/devices.md). The subsystems themselves stay inside.
 */
module io.jvfio.emulator {
    requires transitive io.jvfio.kernel;

    exports io.jvfio.emulator;
    exports io.jvfio.emulator.boot;
    exports io.jvfio.emulator.pci;
    exports io.jvfio.emulator.vfio;
    exports io.jvfio.emulator.vfio.mdev;
    exports io.jvfio.emulator.vfio.migration;
    exports io.jvfio.emulator.iommu to
            io.jvfio.server;
    exports io.jvfio.emulator.sysfs to
            io.jvfio.server;

    uses io.jvfio.emulator.KernelModule;
    uses io.jvfio.emulator.pci.PciDeviceType;
    uses io.jvfio.emulator.pci.PciPlatform;

    provides io.jvfio.kernel.KernelProvider with
            io.jvfio.emulator.boot.EmulatedKernelProvider;
}
