package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioPciDependentDevice;
import io.jvfio.abi.vfio.VfioPciHotReset;
import io.jvfio.abi.vfio.VfioPciHotResetInfo;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.VfioArgsz;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.pci.ResetScope;
import io.jvfio.emulator.vfio.Vfio;
import io.jvfio.emulator.vfio.VfioDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The hot reset ioctls of a vfio-pci device (vfio_pci_core.c's get_pci_hot_reset_info,
 * pci_hot_reset and vfio_pci_dev_set_hot_reset): which functions a slot or bus reset covers, and
 * the reset itself across the device set, with every open function's state saved and restored
 * and its dma-bufs revoked around it.
 */
final class VfioPciHotResetIoctls {
    private final PciFunction pdev;
    private final PciTopology topology;
    private final KernelServices kernel;

    VfioPciHotResetIoctls(PciFunction pdev, PciTopology topology, KernelServices kernel) {
        this.pdev = pdev;
        this.topology = topology;
        this.kernel = kernel;
    }

    /**
     * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: the functions a slot or bus reset would reset. A
     * cdev-opened device reports iommufd device IDs (owned without an ID: 0, not owned: -1, which
     * clears DEV_ID_OWNED); a group-opened one reports IOMMU group IDs.
     */
    void info(VfioDevice device, long arg) {
        long minsz = VfioPciHotResetInfo.DEF.minSize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hdr = VfioArgsz.copyIn(arg, minsz, a);
            long argsz = VfioArgsz.of(hdr);
            List<PciAddress> devices = resetScope().devices();
            long entry = VfioPciDependentDevice.DEF.size();
            VfioPciHotResetInfo.FLAGS.set(hdr, 0);
            if (devices.size() > (argsz - minsz) / entry) {
                VfioPciHotResetInfo.COUNT.set(hdr, devices.size());
                UserMemory.copyOut(hdr, arg, minsz);
                throw new ErrnoException(Errno.ENOSPC);
            }
            MemorySegment out = a.allocate(Math.max(1, entry * devices.size()));
            device.devSet().lock().lock();
            try {
                boolean cdev = device.cdevOpened();
                IommufdCtx ictx = device.iommufdCtx();
                int flags = cdev ? VfioPciHotResetInfo.FLAG_DEV_ID | VfioPciHotResetInfo.FLAG_DEV_ID_OWNED : 0;
                for (int i = 0; i < devices.size(); i++) {
                    PciAddress d = devices.get(i);
                    MemorySegment e = out.asSlice(i * entry, entry);
                    if (cdev) {
                        VfioDevice other = inSet(device, d);
                        int id = other == null ? -Errno.ENODEV.number() : other.iommufdDevId(ictx);
                        int devid = id > 0
                                ? id
                                : id == -Errno.ENOENT.number()
                                        ? VfioPciDependentDevice.DEVID_OWNED
                                        : VfioPciDependentDevice.DEVID_NOT_OWNED;
                        if (devid == VfioPciDependentDevice.DEVID_NOT_OWNED) {
                            flags &= ~VfioPciHotResetInfo.FLAG_DEV_ID_OWNED;
                        }
                        VfioPciDependentDevice.DEVID.set(e, devid);
                    } else {
                        VfioPciDependentDevice.GROUP_ID.set(
                                e, topology.iommuGroup(d).id());
                    }
                    VfioPciDependentDevice.SEGMENT.set(e, d.segment());
                    VfioPciDependentDevice.BUS.set(e, d.bus());
                    VfioPciDependentDevice.DEVFN.set(e, d.devfn());
                }
                VfioPciHotResetInfo.FLAGS.set(hdr, flags);
            } finally {
                device.devSet().lock().unlock();
            }
            VfioPciHotResetInfo.COUNT.set(hdr, devices.size());
            UserMemory.copyOut(hdr, arg, minsz);
            UserMemory.copyOut(out, arg + minsz, entry * devices.size());
        }
    }

    /**
     * VFIO_DEVICE_PCI_HOT_RESET: group fds for group-opened devices, an empty array for cdev-opened
     * ones (proof of ownership is then the device's iommufd). Every function in the reset scope
     * must be bound to vfio-pci and owned by the caller.
     */
    void reset(VfioDevice device, long arg) {
        long minsz = VfioPciHotReset.DEF.minSize();
        List<OpenFile> groups = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hdr = VfioArgsz.copyIn(arg, minsz, a);
            int count = VfioPciHotReset.COUNT.get(hdr);
            if (VfioPciHotReset.FLAGS.get(hdr) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            device.devSet().lock().lock();
            boolean cdev;
            try {
                cdev = device.cdevOpened();
            } finally {
                device.devSet().lock().unlock();
            }
            if ((count != 0) == cdev) {
                throw new ErrnoException(Errno.EINVAL);
            }
            ResetScope scope = resetScope();
            if (count != 0) {
                if (Integer.compareUnsigned(count, scope.devices().size()) > 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                MemorySegment fds = UserMemory.copyIn(arg + minsz, 4L * count, a);
                for (int i = 0; i < count; i++) {
                    OpenFile f = kernel.fget(fds.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i));
                    groups.add(f);
                    if (!Vfio.fileIsGroup(f)) {
                        throw new ErrnoException(Errno.EINVAL);
                    }
                }
            }
            devSetHotReset(device, scope, groups, cdev ? device.iommufdCtx() : null);
        } finally {
            groups.forEach(OpenFile::put);
        }
    }

    private void devSetHotReset(VfioDevice device, ResetScope scope, List<OpenFile> groups, IommufdCtx ictx) {
        device.devSet().lock().lock();
        try {
            List<VfioDevice> set = device.devSet().devices();
            for (PciAddress d : scope.devices()) {
                if (inSet(device, d) == null) {
                    throw new ErrnoException(Errno.EINVAL); // a function not bound to vfio-pci
                }
            }
            for (VfioDevice v : set) {
                boolean inGroups = groups.stream().anyMatch(f -> Vfio.fileHasDev(f, v));
                boolean inCtx = ictx != null && v.iommufdDevId(ictx) != -Errno.ENODEV.number();
                if (!inGroups && !inCtx) {
                    throw new ErrnoException(Errno.EINVAL);
                }
            }
            List<Runnable> restores = new ArrayList<>();
            List<VfioPciCoreDevice> open = new ArrayList<>();
            for (VfioDevice v : set) {
                if (v.ops() instanceof VfioPciCoreDevice core && core.isOpen()) {
                    restores.add(core.saveState());
                    open.add(core);
                }
            }
            open.forEach(core -> core.dmaBufMove(true));
            topology.hotReset(scope);
            restores.forEach(Runnable::run);
            for (VfioPciCoreDevice core : open) {
                synchronized (core) {
                    if (core.memoryEnabled()) {
                        core.dmaBufMove(false);
                    }
                }
            }
        } finally {
            device.devSet().lock().unlock();
        }
    }

    /** The slot or bus reset that covers this function; ENODEV when there is none (root bus). */
    private ResetScope resetScope() {
        return topology.hotResetScope(pdev.address()).orElseThrow(() -> new ErrnoException(Errno.ENODEV));
    }

    private static VfioDevice inSet(VfioDevice device, PciAddress address) {
        for (VfioDevice v : device.devSet().devices()) {
            if (!v.isEmulated() && v.dev().address().equals(address)) {
                return v;
            }
        }
        return null;
    }
}
