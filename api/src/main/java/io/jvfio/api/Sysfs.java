package io.jvfio.api;

import io.jvfio.abi.ErrnoException;
import io.jvfio.kernel.Kernel;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds a PCI device's VFIO nodes through sysfs, via the boundary so both backends answer: {@code
 * /sys/bus/pci/devices/BDF/vfio-dev/vfioN} names its cdev, the {@code iommu_group} link's last
 * component its group.
 */
final class Sysfs {
    private static final Pattern BDF = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");

    private Sysfs() {}

    /** {@code bdf} in sysfs form: lower case, with the domain ("00:03.0" → "0000:00:03.0"). */
    static String normalize(String bdf) {
        String b = bdf.toLowerCase(java.util.Locale.ROOT);
        if (!b.matches("[0-9a-f]{4}:.*")) {
            b = "0000:" + b;
        }
        if (!BDF.matcher(b).matches()) {
            throw new IllegalArgumentException("not a PCI address (DDDD:BB:DD.F): " + bdf);
        }
        return b;
    }

    private static String deviceDir(String bdf) {
        return "/sys/bus/pci/devices/" + normalize(bdf);
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
