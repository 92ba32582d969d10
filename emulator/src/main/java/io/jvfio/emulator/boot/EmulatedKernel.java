package io.jvfio.emulator.boot;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.KernelCore;
import io.jvfio.emulator.KernelModule;
import io.jvfio.emulator.bus.PciBus;
import io.jvfio.emulator.bus.PciePortDriver;
import io.jvfio.emulator.iommu.PciIommu;
import io.jvfio.emulator.iommufd.Iommufd;
import io.jvfio.emulator.kvm.KvmDevice;
import io.jvfio.emulator.pci.PciPlatform;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.vfio.Vfio;
import io.jvfio.emulator.vfio.mdev.Mdev;
import io.jvfio.emulator.vfio.pci.VfioMdevPciDriver;
import io.jvfio.emulator.vfio.pci.VfioPciDriver;
import io.jvfio.emulator.vfio.pci.VfioPciMigrationDriver;
import io.jvfio.emulator.vfio.pci.VfioPciOptions;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The emulated Linux kernel: a {@link KernelCore} with its subsystems loaded in boot order. Each
 * instance is an isolated machine with its own VFS, fd table, processes and subsystems (iommufd at
 * {@code /dev/iommu}, VFIO, KVM, the PCI bus and its drivers), built from an {@link
 * EmulatorConfig}. This is the one class that knows every subsystem: each is built with the core's
 * services and the siblings it uses.
 */
public final class EmulatedKernel extends KernelCore {
    private final PciBus pciBus;
    private final Vfio vfio;
    private final Mdev mdev;
    /** What {@link #symbol} gives modules loaded after boot (EXPORT_SYMBOL). */
    private final Map<Class<?>, Object> exported;

    private EmulatedKernel(EmulatorConfig config, PciPlatform platform) {
        super(config);
        Iommufd.install(this);
        KvmDevice.install(this);
        // Platform bring-up: enumerate the machine's PCI devices (all unbound), load VFIO, then
        // the drivers, which bind what their ID tables match (vfio-pci binds only on request).
        PciTopology topology = platform != null ? platform.topology() : PciTopology.build(List.of());
        pciBus = PciBus.install(this, topology, config.noiommu() ? null : PciIommu.probe(topology));
        vfio = Vfio.install(this, pciBus);
        mdev = new Mdev(this);
        pciBus.registerDriver(new PciePortDriver());
        VfioPciDriver.install(this, pciBus, vfio, VfioPciOptions.DEFAULTS);
        VfioMdevPciDriver.install(this, pciBus, vfio, mdev, VfioPciOptions.DEFAULTS);
        VfioPciMigrationDriver.install(pciBus, vfio);
        exported = Map.of(PciBus.class, pciBus, Vfio.class, vfio, Mdev.class, mdev);
    }

    /** A kernel booted on the PCI platform the config names (none if it names none). */
    public static EmulatedKernel create(EmulatorConfig config) {
        return new EmulatedKernel(config, config.platform() != null ? PciPlatform.load(config.platform()) : null);
    }

    /** A kernel booted on {@code platform} (tests build their own machines). */
    public static EmulatedKernel create(EmulatorConfig config, PciPlatform platform) {
        return new EmulatedKernel(config, platform);
    }

    public static EmulatedKernel create() {
        return create(EmulatorConfig.defaults());
    }

    /** The PCI bus: devices, drivers, binding. */
    public PciBus pciBus() {
        return pciBus;
    }

    /** The VFIO core. */
    public Vfio vfio() {
        return vfio;
    }

    /** The mdev bus parents register their types with. */
    public Mdev mdev() {
        return mdev;
    }

    @Override
    public <T> T symbol(Class<T> type) {
        Object s = exported.get(type);
        if (s == null) {
            throw new ErrnoException(Errno.ENOENT, null, "unknown symbol " + type.getSimpleName());
        }
        return type.cast(s);
    }

    /**
     * Loads the {@link KernelModule} named {@code name} (found through ServiceLoader); ENOENT if
     * no such module is on the class path, as modprobe's "module not found".
     */
    public void modprobe(String name) {
        for (KernelModule m : ServiceLoader.load(KernelModule.class)) {
            if (m.name().equals(name)) {
                m.load(this);
                return;
            }
        }
        throw new ErrnoException(Errno.ENOENT);
    }
}
