package io.jvfio.emulator.vfio.migration;

import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.VfioDeviceOps;
import io.jvfio.emulator.vfio.VfioInfoCap;
import java.lang.foreign.MemorySegment;
import java.util.UUID;

/**
 * A variant driver's {@code vfio_device_ops}: the wrapped driver's (vfio-pci core) plus the
 * migration state's own hooks, as mlx5vf_pci_ops and the other 7.2 variants chain them: the
 * first open starts in RUNNING, VFIO_DEVICE_RESET returns to RUNNING, the last close ends the
 * sessions and the DMA log before the core closes.
 */
public final class MigratingOps implements VfioDeviceOps {
    private final VfioDeviceOps core;
    private final String name;
    private DeviceMigration migration;

    public MigratingOps(VfioDeviceOps core, String name) {
        this.core = core;
        this.name = name;
    }

    /** Installs {@code function}'s migration on {@code device} (not yet registered); false if it cannot migrate. */
    public boolean install(VfioDevice device, PciFunction function) {
        migration = DeviceMigration.install(device, function);
        return migration != null;
    }

    /** The wrapped driver's ops. */
    public VfioDeviceOps core() {
        return core;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void openDevice(VfioDevice device) {
        core.openDevice(device);
        migration.reset();
    }

    @Override
    public void closeDevice(VfioDevice device) {
        migration.close();
        core.closeDevice(device);
    }

    @Override
    public long ioctl(VfioDevice device, long cmd, long arg) {
        long r = core.ioctl(device, cmd, arg);
        if (cmd == VfioIoctl.VFIO_DEVICE_RESET) {
            migration.reset();
        }
        return r;
    }

    @Override
    public void getRegionInfoCaps(VfioDevice device, MemorySegment info, VfioInfoCap caps) {
        core.getRegionInfoCaps(device, info, caps);
    }

    @Override
    public long read(VfioDevice device, MemorySegment buf, long offset) {
        return core.read(device, buf, offset);
    }

    @Override
    public long write(VfioDevice device, MemorySegment buf, long offset) {
        return core.write(device, buf, offset);
    }

    @Override
    public MemorySegment mmap(VfioDevice device, long length, int prot, int flags, long offset) {
        return core.mmap(device, length, prot, flags, offset);
    }

    @Override
    public void request(VfioDevice device, int count) {
        core.request(device, count);
    }

    @Override
    public boolean match(VfioDevice device, String buf) {
        return core.match(device, buf);
    }

    @Override
    public boolean hasMatchTokenUuid() {
        return core.hasMatchTokenUuid();
    }

    @Override
    public void matchTokenUuid(VfioDevice device, UUID uuid) {
        core.matchTokenUuid(device, uuid);
    }

    @Override
    public void dmaUnmap(VfioDevice device, long iova, long length) {
        core.dmaUnmap(device, iova, length);
    }

    @Override
    public long deviceFeature(VfioDevice device, int flags, long arg, long argsz) {
        return core.deviceFeature(device, flags, arg, argsz);
    }
}
