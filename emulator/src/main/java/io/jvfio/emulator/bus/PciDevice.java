package io.jvfio.emulator.bus;

import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.PciFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * A PCI function as the driver core sees it ({@code struct pci_dev} with its {@code struct
 * device}): its address (the device name), the hardware, its IOMMU device and group, the bound driver and
 * the driver's private data. Fields change only under the bus's lock ({@code device_lock}).
 */
public final class PciDevice {
    private final PciBus bus;
    private final PciAddress address;
    private final PciFunction function;
    private final IommuDevice iommuDevice;
    private final PciDevice physfn;
    PciDriver driver;
    String driverOverride;
    private volatile Object driverData;
    /** A PF's enabled VFs ({@code sriov->num_VFs}), by VF number. */
    final List<PciDevice> virtfns = new ArrayList<>();
    /** A PF's {@code sriov->drivers_autoprobe}. */
    boolean driversAutoprobe = true;

    PciDevice(PciBus bus, PciAddress address, PciFunction function, IommuDevice iommuDevice, PciDevice physfn) {
        this.bus = bus;
        this.address = address;
        this.function = function;
        this.iommuDevice = iommuDevice;
        this.physfn = physfn;
    }

    /** {@code dev_name}: the address in sysfs form, "0000:00:04.0". */
    public String name() {
        return address.toString();
    }

    public PciAddress address() {
        return address;
    }

    /** The hardware. */
    public PciFunction function() {
        return function;
    }

    /** The device as the IOMMU core knows it (its DMA port, group); null on a machine without an IOMMU. */
    public IommuDevice iommuDevice() {
        return iommuDevice;
    }

    /** {@code iommu_group_get}: the device's IOMMU group, null without an IOMMU. */
    public Group iommuGroup() {
        return iommuDevice != null ? iommuDevice.group() : null;
    }

    public PciBus bus() {
        return bus;
    }

    /** {@code is_physfn}: the function has an SR-IOV capability. */
    public boolean isPhysfn() {
        return function.sriov().isPresent();
    }

    /** {@code is_virtfn}. */
    public boolean isVirtfn() {
        return physfn != null;
    }

    /** {@code pci_physfn}: a VF's PF, any other device itself. */
    public PciDevice physfn() {
        return physfn != null ? physfn : this;
    }

    /** {@code pci_num_vf}: the VFs enabled on a PF, 0 for any other device. */
    public int numVfs() {
        synchronized (bus) {
            return virtfns.size();
        }
    }

    /** The bound driver, or null. */
    public PciDriver driver() {
        synchronized (bus) {
            return driver;
        }
    }

    /** {@code dev_get_drvdata}. */
    public Object driverData() {
        return driverData;
    }

    /** {@code dev_set_drvdata}: a driver's per-device state, set in probe and cleared in remove. */
    public void setDriverData(Object data) {
        driverData = data;
    }

    @Override
    public String toString() {
        return name();
    }
}
