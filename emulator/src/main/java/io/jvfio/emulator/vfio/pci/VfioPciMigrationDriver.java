package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.bus.PciBus;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.bus.PciDriver;
import io.jvfio.emulator.pci.ResetScope;
import io.jvfio.emulator.vfio.Vfio;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.migration.MigratingOps;
import java.util.Optional;

/**
 * jvfio-mig-vfio-pci: a vfio-pci variant driver (like 7.2's mlx5_vfio_pci or virtio-vfio-pci)
 * for the emulated functions whose models can save their state (edu, NVMe). It exists only in
 * the emulation: QEMU's edu and NVMe have no migration driver in Linux. Like the real variants it
 * binds only through driver_override ({@code PCI_DRIVER_OVERRIDE_DEVICE_VFIO}); a function that
 * cannot migrate fails the probe with ENODEV.
 */
public final class VfioPciMigrationDriver implements PciDriver {
    public static final String NAME = "jvfio-mig-vfio-pci";

    private final Vfio vfio;

    private VfioPciMigrationDriver(Vfio vfio) {
        this.vfio = vfio;
    }

    /** Registers the driver on {@code bus}, making its devices with {@code vfio}. */
    public static void install(PciBus bus, Vfio vfio) {
        bus.registerDriver(new VfioPciMigrationDriver(vfio));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean matchesIdTable(PciDevice dev) {
        return false;
    }

    /** vfio_pci_core_register_device's probe, with the migration ops set before registration. */
    @Override
    public void probe(PciDevice dev) {
        if (dev.function().isBridge()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        VfioPciCoreDevice core = new VfioPciCoreDevice(
                dev.function(), dev.bus().topology(), dev.bus().kernel(), VfioPciOptions.DEFAULTS);
        MigratingOps ops = new MigratingOps(core, NAME);
        VfioDevice vdev = new VfioDevice(dev, ops);
        if (!ops.install(vdev, dev.function())) {
            throw new ErrnoException(Errno.ENODEV);
        }
        Optional<ResetScope> scope = dev.bus().topology().hotResetScope(dev.address());
        if (scope.isPresent()) {
            vfio.assignDeviceSet(vdev, scope.get());
        }
        vfio.registerGroupDev(vdev);
        dev.setDriverData(vdev);
    }

    @Override
    public void remove(PciDevice dev) {
        VfioDevice vdev = (VfioDevice) dev.driverData();
        vfio.unregisterGroupDev(vdev);
        ((VfioPciCoreDevice) ((MigratingOps) vdev.ops()).core()).remove();
    }

    @Override
    public boolean driverManagedDma() {
        return true;
    }
}
