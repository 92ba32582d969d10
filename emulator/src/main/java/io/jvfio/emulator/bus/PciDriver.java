package io.jvfio.emulator.bus;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;

/**
 * A PCI driver ({@code struct pci_driver}): what {@link PciBus} binds to a {@link PciDevice}. A
 * driver is registered once per kernel with {@link PciBus#registerDriver} and appears as
 * /sys/bus/pci/drivers/NAME.
 */
public interface PciDriver {
    /** The driver's name, its sysfs directory and what driver_override names. */
    String name();

    /**
     * Whether the static ID table matches {@code dev} (without driver_override). vfio-pci's table
     * holds only its override-only entry, so it matches nothing here and binds only through
     * driver_override or new_id.
     */
    boolean matchesIdTable(PciDevice dev);

    /**
     * Binds to {@code dev}; throw an {@link io.jvfio.abi.ErrnoException} to refuse (ENODEV and
     * ENXIO make the bus try no further and report nothing, as {@code really_probe}).
     */
    void probe(PciDevice dev);

    /** Unbinds from {@code dev}; must not fail. */
    void remove(PciDevice dev);

    /**
     * {@code sriov_configure}: sriov_numvfs asks the PF's driver for {@code numVfs} VFs (0: none),
     * with the device lock (the bus's monitor) held; returns the count enabled. The default is a
     * driver without the callback, for which the PCI core answers ENOENT.
     */
    default int sriovConfigure(PciDevice pf, int numVfs) {
        throw new ErrnoException(Errno.ENOENT);
    }

    /**
     * {@code driver_managed_dma}: a driver that does not use the kernel's DMA API and so does not
     * make the device's IOMMU group a kernel-DMA group (vfio-pci, pci-stub, pcieport). A group
     * with a device bound to any other driver cannot be owned by user space.
     */
    boolean driverManagedDma();
}
