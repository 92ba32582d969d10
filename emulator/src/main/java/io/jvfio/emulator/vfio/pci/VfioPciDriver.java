package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.bus.PciDriver;
import io.jvfio.emulator.pci.ResetScope;
import io.jvfio.emulator.vfio.VfioDevice;
import java.util.Optional;

/**
 * The vfio-pci driver (vfio_pci.c): binds only on request (driver_override or new_id), turns each
 * bound function into a VFIO device driven by {@link VfioPciCoreDevice}, and puts functions that a
 * hot reset resets together into one device set.
 */
public final class VfioPciDriver implements PciDriver {
    private final VfioPciOptions options;

    private VfioPciDriver(VfioPciOptions options) {
        this.options = options;
    }

    /** Loads vfio-pci into {@code kernel} with its module parameters. */
    public static VfioPciDriver install(EmulatedKernel kernel, VfioPciOptions options) {
        VfioPciDriver driver = new VfioPciDriver(options);
        kernel.pciBus().registerDriver(driver);
        return driver;
    }

    @Override
    public String name() {
        return "vfio-pci";
    }

    @Override
    public boolean matchesIdTable(PciDevice dev) {
        return false;
    }

    /** vfio_pci_probe: normal headers only; the options are latched per device here. */
    @Override
    public void probe(PciDevice dev) {
        if (dev.function().isBridge()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        VfioPciCoreDevice core = new VfioPciCoreDevice(
                dev.function(), dev.bus().topology(), dev.bus().kernel(), options);
        VfioDevice vdev = new VfioDevice(dev, core);
        Optional<ResetScope> scope = dev.bus().topology().hotResetScope(dev.address());
        if (scope.isPresent()) {
            dev.bus().kernel().vfio().assignDeviceSet(vdev, scope.get());
        }
        dev.bus().kernel().vfio().registerGroupDev(vdev);
        dev.setDriverData(vdev);
    }

    @Override
    public void remove(PciDevice dev) {
        dev.bus().kernel().vfio().unregisterGroupDev((VfioDevice) dev.driverData());
    }

    @Override
    public boolean driverManagedDma() {
        return true;
    }
}
