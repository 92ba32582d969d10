package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.bus.PciBus;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.bus.PciDriver;
import io.jvfio.emulator.sysfs.ModuleParams;
import io.jvfio.emulator.sysfs.ModuleParams.BoolParam;
import io.jvfio.emulator.vfio.Vfio;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.VfioDeviceOps;
import io.jvfio.emulator.vfio.mdev.Mdev;
import io.jvfio.emulator.vfio.mdev.MdevDevice;
import io.jvfio.emulator.vfio.mdev.MdevDriver;
import io.jvfio.emulator.vfio.mdev.MdevParent;
import io.jvfio.emulator.vfio.mdev.MdevType;
import io.jvfio.emulator.vfio.migration.MigratingOps;
import java.util.List;

/**
 * vfio-mdev-pci (the "wrap pci device as a mediated device" series): binds on request to a PCI
 * function alone in its IOMMU group and makes it an mdev parent with one type of one instance. The
 * mdev is driven by a {@link VfioPciCoreDevice} like vfio-pci's, but as an emulated VFIO device:
 * its DMA is copied through the iommufd access object the mdev is bound with, not translated by
 * an IOMMU domain.
 *
 * <p>The module has its own parameters ({@code /sys/module/vfio_mdev_pci/parameters}: nointxmask
 * and disable_idle_d3 writable, disable_vga read-only). Unlike vfio-pci, which latches them at
 * probe, the wrapper re-reads them at every open (the series' {@code vfio_pci_refresh_config}), so
 * a write takes effect at the device's next first open.
 */
public final class VfioMdevPciDriver implements PciDriver {
    private static final MdevType TYPE = new MdevType("1", null);

    private final BoolParam nointxmask;
    private final BoolParam disableVga;
    private final BoolParam disableIdleD3;
    private final KernelServices kernel;
    private final Vfio vfio;
    private final Mdev mdev;

    private VfioMdevPciDriver(ModuleParams params, KernelServices kernel, Vfio vfio, Mdev mdev) {
        this.kernel = kernel;
        this.vfio = vfio;
        this.mdev = mdev;
        nointxmask = params.bool("nointxmask", 0644);
        disableVga = params.bool("disable_vga", 0444);
        disableIdleD3 = params.bool("disable_idle_d3", 0644);
    }

    /**
     * Loads vfio-mdev-pci into {@code kernel}, registered on {@code bus}, making mdev parents on
     * {@code mdev} whose devices join {@code vfio}, with {@code options} as its parameters' initial
     * values.
     */
    public static VfioMdevPciDriver install(
            KernelServices kernel, PciBus bus, Vfio vfio, Mdev mdev, VfioPciOptions options) {
        VfioMdevPciDriver driver =
                new VfioMdevPciDriver(new ModuleParams(kernel.vfs(), "vfio_mdev_pci"), kernel, vfio, mdev);
        driver.nointxmask.set(options.nointxmask());
        driver.disableVga.set(options.disableVga());
        driver.disableIdleD3.set(options.disableIdleD3());
        bus.registerDriver(driver);
        return driver;
    }

    /** The parameters as they are now: what each open reads. */
    private VfioPciOptions options() {
        return new VfioPciOptions(disableIdleD3.get(), disableVga.get(), nointxmask.get());
    }

    @Override
    public String name() {
        return "vfio-mdev-pci";
    }

    @Override
    public boolean matchesIdTable(PciDevice dev) {
        return false;
    }

    /** Normal headers in singleton IOMMU groups only. */
    @Override
    public void probe(PciDevice dev) {
        if (dev.function().isBridge()
                || dev.iommuGroup() == null
                || dev.iommuGroup().devices().size() != 1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        MdevParent parent = new MdevParent(dev.name(), dev.bus().sysfsPath(dev), new Parent(dev), List.of(TYPE), 1);
        mdev.registerParent(parent);
        dev.setDriverData(parent);
    }

    @Override
    public void remove(PciDevice dev) {
        mdev.unregisterParent((MdevParent) dev.driverData());
    }

    /** The function's DMA is the access object's copies, so the kernel's DMA API stays in charge of the group. */
    @Override
    public boolean driverManagedDma() {
        return false;
    }

    /** The mdev driver of one wrapped function. */
    private final class Parent implements MdevDriver {
        private final PciDevice dev;

        Parent(PciDevice dev) {
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
            VfioPciCoreDevice core = new VfioPciCoreDevice(
                    dev.function(), dev.bus().topology(), kernel, VfioMdevPciDriver.this::options);
            String name = mdev.uuid().toString();
            String dir = dev.bus().sysfsPath(dev) + "/" + mdev.uuid();
            VfioDevice vdev;
            if (dev.function().migratable().isPresent()) {
                // the seed's "base driver for device specific mdev migration": the model's state
                MigratingOps ops = new MigratingOps(core, core.name());
                vdev = VfioDevice.emulated(kernel, name, dir, ops);
                ops.install(vdev, dev.function());
            } else {
                vdev = VfioDevice.emulated(kernel, name, dir, core);
            }
            vfio.registerEmulatedIommuDev(vdev);
            mdev.setDriverData(vdev);
        }

        @Override
        public void remove(MdevDevice mdev) {
            VfioDevice vdev = (VfioDevice) mdev.driverData();
            vfio.unregisterGroupDev(vdev);
            VfioDeviceOps ops = vdev.ops() instanceof MigratingOps m ? m.core() : vdev.ops();
            ((VfioPciCoreDevice) ops).remove();
        }
    }
}
