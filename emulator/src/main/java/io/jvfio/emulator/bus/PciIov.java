package io.jvfio.emulator.bus;

import static io.jvfio.emulator.pci.PciRegs.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.Vfs;
import io.jvfio.emulator.pci.ConfigSpace;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.SriovCapability;
import io.jvfio.emulator.sysfs.Kstrto;
import io.jvfio.emulator.sysfs.SysfsAttribute;

/**
 * The PCI core's SR-IOV support (drivers/pci/iov.c): a PF's sriov_* sysfs files, sriov_numvfs's
 * rules, pci_enable_sriov/pci_disable_sriov (VF Enable in SR-IOV Control, then each VF scanned at
 * its routing ID, probed by the IOMMU, added to the bus and linked as virtfnN/physfn) and a VF's
 * sriov_vf_msix_count. Everything runs with the device lock, the bus's monitor.
 */
final class PciIov {
    private final PciBus bus;
    private final Vfs vfs;

    PciIov(PciBus bus, Vfs vfs) {
        this.bus = bus;
        this.vfs = vfs;
    }

    /** sriov_pf_dev_attr_group and sriov_vf_dev_attr_group: each visible only on its kind of device. */
    void publish(PciDevice dev, String dir) {
        if (dev.isPhysfn()) {
            SriovCapability iov = dev.function().sriov().orElseThrow();
            ConfigSpace c = dev.function().config();
            vfs.register(dir + "/sriov_totalvfs", SysfsAttribute.readOnly(() -> iov.totalVfs() + "\n"));
            vfs.register(
                    dir + "/sriov_numvfs",
                    SysfsAttribute.readWrite(() -> dev.numVfs() + "\n", s -> numvfsStore(dev, s)));
            vfs.register(dir + "/sriov_offset", SysfsAttribute.readOnly(() -> iov.vfOffset() + "\n"));
            vfs.register(dir + "/sriov_stride", SysfsAttribute.readOnly(() -> iov.vfStride() + "\n"));
            vfs.register(
                    dir + "/sriov_vf_device",
                    SysfsAttribute.readOnly(
                            () -> Integer.toHexString(c.read(iov.position() + SRIOV_VF_DID, 2)) + "\n"));
            vfs.register(
                    dir + "/sriov_drivers_autoprobe",
                    SysfsAttribute.readWrite(
                            () -> (dev.driversAutoprobe ? 1 : 0) + "\n", s -> dev.driversAutoprobe = Kstrto.toBool(s)));
            // No emulated driver has sriov_get_vf_total_msix.
            vfs.register(dir + "/sriov_vf_total_msix", SysfsAttribute.readOnly(() -> "0\n"));
        }
        if (dev.isVirtfn()) {
            vfs.register(dir + "/sriov_vf_msix_count", SysfsAttribute.writeOnly(s -> vfMsixCountStore(s)));
        }
    }

    /**
     * sriov_numvfs_store: EINVAL unless a u16, ERANGE above TotalVFs, nothing to do for the current
     * count, ENOENT without a driver or one without sriov_configure, the driver's answer for 0,
     * EBUSY while another nonzero count is enabled, else the driver's sriov_configure.
     */
    private void numvfsStore(PciDevice pf, String buf) {
        long n = Kstrto.parse(buf, 0, 0xffff).orElseThrow(() -> new ErrnoException(Errno.EINVAL));
        if (n > pf.function().sriov().orElseThrow().totalVfs()) {
            throw new ErrnoException(Errno.ERANGE);
        }
        synchronized (bus) {
            if (n == pf.virtfns.size()) {
                return;
            }
            if (pf.driver == null) {
                throw new ErrnoException(Errno.ENOENT);
            }
            if (n != 0 && !pf.virtfns.isEmpty()) {
                throw new ErrnoException(Errno.EBUSY);
            }
            pf.driver.sriovConfigure(pf, (int) n);
        }
    }

    /** sriov_vf_msix_count_store: no emulated PF driver can change a VF's MSI-X table size. */
    private static void vfMsixCountStore(String buf) {
        long v = Kstrto.parse(buf, Integer.MIN_VALUE, Integer.MAX_VALUE)
                .orElseThrow(() -> new ErrnoException(Errno.EINVAL));
        if (v < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        throw new ErrnoException(Errno.EOPNOTSUPP);
    }

    /**
     * sriov_enable: EINVAL while VFs are enabled or for a count outside 1..InitialVFs, ENOMEM for
     * VFs beyond the PF's bus (where Linux would add a virtual bus, which the emulated hierarchy
     * does not have) or at an address another function holds; then NumVFs and VF Enable, and each
     * VF added. A failure takes back everything done.
     */
    void enable(PciDevice pf, int n) {
        SriovCapability iov = pf.function().sriov().orElseThrow(() -> new ErrnoException(Errno.ENODEV));
        ConfigSpace c = pf.function().config();
        int pos = iov.position();
        if (n == 0) {
            return;
        }
        if (!pf.virtfns.isEmpty()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (n < 0 || n > iov.totalVfs() || n > c.read(pos + SRIOV_INITIAL_VF, 2)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        PciAddress a = pf.address();
        for (int i = 0; i < n; i++) {
            int rid = a.requesterId() + iov.vfOffset() + iov.vfStride() * i;
            if (rid >> 8 != a.bus()
                    || bus.device(new PciAddress(a.segment(), a.bus(), (rid & 0xff) >> 3, rid & 7).toString())
                            .isPresent()) {
                throw new ErrnoException(Errno.ENOMEM);
            }
        }
        c.write(pos + SRIOV_NUM_VF, 2, n);
        c.write(pos + SRIOV_CTRL, 2, c.read(pos + SRIOV_CTRL, 2) | SRIOV_CTRL_VFE | SRIOV_CTRL_MSE);
        try {
            for (int i = 0; i < n; i++) {
                addVirtfn(pf, i);
            }
        } catch (RuntimeException e) {
            disable(pf);
            throw e;
        }
    }

    /** sriov_disable: every VF removed (unbound first), then VF Enable and NumVFs cleared. */
    void disable(PciDevice pf) {
        for (int i = pf.virtfns.size() - 1; i >= 0; i--) {
            removeVirtfn(pf, i);
        }
        SriovCapability iov = pf.function().sriov().orElseThrow();
        ConfigSpace c = pf.function().config();
        int pos = iov.position();
        c.write(pos + SRIOV_CTRL, 2, c.read(pos + SRIOV_CTRL, 2) & ~(SRIOV_CTRL_VFE | SRIOV_CTRL_MSE));
        c.write(pos + SRIOV_NUM_VF, 2, 0);
    }

    /**
     * pci_iov_add_virtfn: the VF in the hierarchy and its IOMMU group, published beside the PF
     * (its parent is the PF's parent), the bus notified, the links made, then a driver probed
     * (pci_bus_add_device; a failed probe leaves the VF unbound).
     */
    private void addVirtfn(PciDevice pf, int id) {
        PciDevice vf = bus.addVirtfn(pf, id);
        pf.virtfns.add(vf);
        String pfDir = bus.sysfsPath(pf);
        String vfDir = bus.sysfsPath(vf);
        vfs.symlink(pfDir + "/virtfn" + id, PciBus.relative(pfDir, vfDir));
        vfs.symlink(vfDir + "/physfn", PciBus.relative(vfDir, pfDir));
        bus.busAddDevice(vf);
    }

    /** pci_iov_remove_virtfn: the links, then the device unbound and taken off the bus. */
    private void removeVirtfn(PciDevice pf, int id) {
        PciDevice vf = pf.virtfns.remove(id);
        vfs.unregister(bus.sysfsPath(pf) + "/virtfn" + id);
        vfs.unregister(bus.sysfsPath(vf) + "/physfn");
        bus.removeVirtfn(vf);
    }
}
