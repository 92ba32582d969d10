package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.bus.PciDriver;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.mdev.MdevDevice;
import io.jvfio.emulator.vfio.mdev.MdevDriver;
import io.jvfio.emulator.vfio.mdev.MdevParent;
import io.jvfio.emulator.vfio.mdev.MdevType;
import java.util.List;

/**
 * vfio-mdev-pci (the "wrap pci device as a mediated device" series): binds on request to a PCI
 * function alone in its IOMMU group and makes it an mdev parent with one type of one instance. The
 * mdev is driven by a {@link VfioPciCoreDevice} like vfio-pci's, but as an emulated VFIO device:
 * its DMA is copied through the iommufd access object the mdev is bound with, not translated by
 * an IOMMU domain.
 */
public final class VfioMdevPciDriver implements PciDriver {
    private static final MdevType TYPE = new MdevType("1", null);

    private final VfioPciOptions options;

    public VfioMdevPciDriver(VfioPciOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "vfio-mdev-pci";
    }

    @Override
    public boolean matchesIdTable(PciDevice dev) {
        return false;
    }

    /** Normal headers in singleton IOMMU groups only; the options are latched per device. */
    @Override
    public void probe(PciDevice dev) {
        if (dev.function().isBridge()
                || dev.iommuGroup() == null
                || dev.iommuGroup().devices().size() != 1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        EmulatedKernel kernel = dev.bus().kernel();
        MdevParent parent =
                new MdevParent(dev.name(), dev.bus().sysfsPath(dev), new Parent(kernel, dev), List.of(TYPE), 1);
        kernel.mdev().registerParent(parent);
        dev.setDriverData(parent);
    }

    @Override
    public void remove(PciDevice dev) {
        dev.bus().kernel().mdev().unregisterParent((MdevParent) dev.driverData());
    }

    /** The function's DMA is the access object's copies, so the kernel's DMA API stays in charge of the group. */
    @Override
    public boolean driverManagedDma() {
        return false;
    }

    /** The mdev driver of one wrapped function. */
    private final class Parent implements MdevDriver {
        private final EmulatedKernel kernel;
        private final PciDevice dev;

        Parent(EmulatedKernel kernel, PciDevice dev) {
            this.kernel = kernel;
            this.dev = dev;
        }

        @Override
        public String name() {
            return VfioMdevPciDriver.this.name();
        }

        @Override
        public String deviceApi() {
            return "vfio-pci";
        }

        @Override
        public String description(MdevType type) {
            return "PCI device " + dev.name() + " wrapped as an mdev\n";
        }

        @Override
        public void probe(MdevDevice mdev) {
            VfioPciCoreDevice core =
                    new VfioPciCoreDevice(dev.function(), dev.bus().topology(), kernel, options);
            VfioDevice vdev = VfioDevice.emulated(
                    kernel, mdev.uuid().toString(), dev.bus().sysfsPath(dev) + "/" + mdev.uuid(), core);
            kernel.vfio().registerEmulatedIommuDev(vdev);
            mdev.setDriverData(vdev);
        }

        @Override
        public void remove(MdevDevice mdev) {
            kernel.vfio().unregisterGroupDev((VfioDevice) mdev.driverData());
        }
    }
}
