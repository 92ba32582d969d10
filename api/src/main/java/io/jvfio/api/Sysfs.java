package io.jvfio.api;

import io.jvfio.abi.ErrnoException;
import io.jvfio.kernel.Kernel;
import java.util.List;

/**
 * Finds a PCI device's VFIO nodes through sysfs, via the boundary so both backends answer: {@code
 * /sys/bus/pci/devices/BDF/vfio-dev/vfioN} names its cdev, the {@code iommu_group} link's last
 * component its group.
 */
final class Sysfs {
    private Sysfs() {}

    private static String deviceDir(String bdf) {
        return "/sys/bus/pci/devices/" + PciDevices.normalize(bdf);
    }

    static String cdevPath(Kernel kernel, String bdf) {
        String dir = deviceDir(bdf) + "/vfio-dev";
        List<String> nodes;
        try {
            nodes = kernel.listDirectory(dir);
        } catch (ErrnoException e) {
            throw new JvfioException("find the VFIO cdev of " + bdf, e, "is it bound to vfio-pci?");
        }
        if (nodes.size() != 1) {
            throw new IllegalStateException(dir + " should hold one vfioN entry, holds " + nodes);
        }
        return "/dev/vfio/devices/" + nodes.getFirst();
    }

    static int iommuGroup(Kernel kernel, String bdf) {
        String link = deviceDir(bdf) + "/iommu_group";
        String target = Sys.GENERIC.call("find the IOMMU group of " + bdf, () -> kernel.readlink(link));
        String last = target.substring(target.lastIndexOf('/') + 1);
        try {
            return Integer.parseInt(last);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(link + " points to " + target + ", not to a numbered group", e);
        }
    }
}
