/** The emulated PCI functions (edu, NVMe, I/OAT), the mtty mdev driver and the default platform. */
module io.jvfio.devices {
    requires io.jvfio.emulator;

    provides io.jvfio.emulator.pci.PciDeviceType with
            io.jvfio.devices.edu.EduType,
            io.jvfio.devices.nvme.NvmeType,
            io.jvfio.devices.ioat.IoatType;
    provides io.jvfio.emulator.pci.PciPlatform with
            io.jvfio.devices.DefaultPlatform;
    provides io.jvfio.emulator.KernelModule with
            io.jvfio.devices.mtty.Mtty;
}
