package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.bus.PciBus;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.bus.PciDriver;
import io.jvfio.emulator.pci.PciRegs;
import io.jvfio.emulator.pci.ResetScope;
import io.jvfio.emulator.sysfs.ModuleParams;
import io.jvfio.emulator.sysfs.ModuleParams.BoolParam;
import io.jvfio.emulator.vfio.Vfio;
import io.jvfio.emulator.vfio.VfioDevice;
import java.util.Optional;
import java.util.Set;

/**
 * The vfio-pci driver (vfio_pci.c): binds only on request (driver_override or new_id), turns each
 * bound function into a VFIO device driven by {@link VfioPciCoreDevice}, and puts functions that a
 * hot reset resets together into one device set.
 *
 * <p>Its module parameters are in {@code /sys/module/vfio_pci/parameters} with Linux's permissions
 * (ids has permission 0, so no file). As in 7.2's {@code vfio_pci_init_dev}, a device latches
 * nointxmask, disable_idle_d3 and disable_vga when it is probed: a later write of the two writable
 * ones changes only devices bound afterwards. The kernel is taken to be built with
 * CONFIG_VFIO_PCI_VGA and CONFIG_PCI_IOV (for the disable_vga and enable_sriov files).
 */
public final class VfioPciDriver implements PciDriver {
    private static final int INTEL = 0x8086;

    /** vfio_pci_dev_in_denylist: Intel QAT (C3xxx, C62x, DH895xCC and their VFs), DSA and IAX on SPR. */
    private static final Set<Integer> DENYLIST = Set.of(0x19e2, 0x19e3, 0x37c8, 0x37c9, 0x0435, 0x0443, 0x0b25, 0x0cfe);

    private final BoolParam nointxmask;
    private final BoolParam disableVga;
    private final BoolParam disableIdleD3;
    private final BoolParam disableDenylist;
    private final BoolParam enableSriov;
    private final VfioPciSriov.PfList sriovPfs = new VfioPciSriov.PfList();
    private final Vfio vfio;

    private VfioPciDriver(ModuleParams params, Vfio vfio) {
        this.vfio = vfio;
        nointxmask = params.bool("nointxmask", 0644);
        disableVga = params.bool("disable_vga", 0444);
        disableIdleD3 = params.bool("disable_idle_d3", 0644);
        enableSriov = params.bool("enable_sriov", 0644);
        disableDenylist = params.bool("disable_denylist", 0444);
    }

    /**
     * Loads vfio-pci into {@code kernel}, registered on {@code bus} and making its devices with
     * {@code vfio}, with {@code options} as its parameters' initial values.
     */
    public static VfioPciDriver install(KernelServices kernel, PciBus bus, Vfio vfio, VfioPciOptions options) {
        VfioPciDriver driver = new VfioPciDriver(new ModuleParams(kernel.vfs(), "vfio_pci"), vfio);
        driver.nointxmask.set(options.nointxmask());
        driver.disableVga.set(options.disableVga());
        driver.disableIdleD3.set(options.disableIdleD3());
        bus.registerDriver(driver);
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

    /**
     * vfio_pci_probe: normal headers only, no denylisted device unless disable_denylist; the
     * options are latched per device here (vfio_pci_init_dev).
     */
    @Override
    public void probe(PciDevice dev) {
        if (dev.function().isBridge() || (isDenylisted(dev) && !disableDenylist.get())) {
            throw new ErrnoException(Errno.EINVAL);
        }
        // vfio_pci_core_register_device: VFs that exist already could be in use elsewhere.
        if (dev.numVfs() != 0) {
            throw new ErrnoException(Errno.EBUSY);
        }
        VfioPciOptions latched = new VfioPciOptions(disableIdleD3.get(), disableVga.get(), nointxmask.get());
        VfioPciCoreDevice core = new VfioPciCoreDevice(
                dev.function(), dev.bus().topology(), dev.bus().kernel(), () -> latched);
        VfioDevice vdev = new VfioDevice(dev, core);
        // A VF (like a function on the root bus) is a device set of its own.
        Optional<ResetScope> scope =
                dev.isVirtfn() ? Optional.empty() : dev.bus().topology().hotResetScope(dev.address());
        if (scope.isPresent()) {
            vfio.assignDeviceSet(vdev, scope.get());
        }
        VfioPciSriov sriov = VfioPciSriov.init(dev, sriovPfs, name());
        core.setSriov(sriov);
        try {
            vfio.registerGroupDev(vdev);
        } catch (RuntimeException e) {
            sriov.uninit();
            throw e;
        }
        dev.setDriverData(vdev);
    }

    /**
     * vfio_pci_sriov_configure: ENOENT unless enable_sriov is set (read now, not latched), then
     * vfio_pci_core_sriov_configure.
     */
    @Override
    public int sriovConfigure(PciDevice pf, int numVfs) {
        if (!enableSriov.get()) {
            throw new ErrnoException(Errno.ENOENT);
        }
        VfioPciCoreDevice core = (VfioPciCoreDevice) ((VfioDevice) pf.driverData()).ops();
        return core.sriov().configure(core, numVfs);
    }

    private static boolean isDenylisted(PciDevice dev) {
        return dev.function().config().read(PciRegs.VENDOR_ID, 2) == INTEL
                && DENYLIST.contains(dev.function().config().read(PciRegs.DEVICE_ID, 2));
    }

    @Override
    public void remove(PciDevice dev) {
        VfioDevice vdev = (VfioDevice) dev.driverData();
        VfioPciCoreDevice core = (VfioPciCoreDevice) vdev.ops();
        // vfio_pci_core_unregister_device: the VFs go first
        core.sriov().configure(core, 0);
        vfio.unregisterGroupDev(vdev);
        core.sriov().uninit();
        core.remove();
    }

    @Override
    public boolean driverManagedDma() {
        return true;
    }
}
