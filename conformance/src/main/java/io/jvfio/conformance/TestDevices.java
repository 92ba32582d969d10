package io.jvfio.conformance;

import io.jvfio.api.PciDevices;
import io.jvfio.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;

/**
 * The devices conformance tests drive, found the same way on either backend. On an emulated
 * machine the test binds the first such device to vfio-pci itself, as a user does (driver_override,
 * then drivers_probe). On a real kernel the test VM has bound it and says where it is, in {@code
 * JVFIO_<KIND>_BDF}/{@code _GROUP_DEV}/{@code _CDEV} or the inventory /run/jvfio/devices (see
 * docs/vm.md); without either the test is skipped.
 */
public final class TestDevices {
    /** The test devices, and how sysfs tells them on an emulated machine (by IDs, by class). */
    public enum Kind {
        EDU("edu", d -> d.vendor() == 0x1234 && d.device() == 0x11e8),
        NVME("nvme", d -> d.classCode() >> 8 == 0x0108);

        private final String inventoryName;
        private final Predicate<PciDevices.PciDevice> is;

        Kind(String inventoryName, Predicate<PciDevices.PciDevice> is) {
            this.inventoryName = inventoryName;
            this.is = is;
        }
    }

    /** Where a device bound to vfio-pci is: its PCI address, its group node and its vfio cdev. */
    public record Located(String bdf, String groupDev, String cdev) {
        /** The IOMMU group number, from the group node's name. */
        public String groupId() {
            return groupDev.substring(groupDev.lastIndexOf('/') + 1);
        }
    }

    static final Path INVENTORY = Path.of("/run/jvfio/devices");

    private TestDevices() {}

    /** The device of {@code kind}, bound to vfio-pci, on the selected backend. */
    public static Located locate(Kernel k, Kind kind) {
        return Backend.isEmulated() ? bindEmulated(k, kind) : fromTestVm(kind);
    }

    /**
     * The first such device bound to vfio-pci, else the first without a driver (0000:00:04.0 and
     * 05.0 on the default platform).
     */
    private static Located bindEmulated(Kernel k, Kind kind) {
        List<PciDevices.PciDevice> all =
                PciDevices.list(k).stream().filter(kind.is).toList();
        String bdf = all.stream()
                .filter(d -> d.driver().filter(PciDevices.VFIO_PCI::equals).isPresent())
                .findFirst()
                .or(() -> all.stream().filter(d -> d.driver().isEmpty()).findFirst())
                .map(PciDevices.PciDevice::bdf)
                .orElse(null);
        Assumptions.assumeTrue(bdf != null, "no unbound " + kind.inventoryName + " on this emulated machine");
        PciDevices.bindToVfioPci(k, bdf);
        String dev = "/sys/bus/pci/devices/" + bdf;
        String group = k.readlink(dev + "/iommu_group");
        return new Located(
                bdf,
                "/dev/vfio/" + group.substring(group.lastIndexOf('/') + 1),
                "/dev/vfio/devices/" + k.listDirectory(dev + "/vfio-dev").getFirst());
    }

    private static Located fromTestVm(Kind kind) {
        String prefix = "JVFIO_" + kind.name() + "_";
        Map<String, String> env = System.getenv();
        String bdf = env.get(prefix + "BDF");
        String group = env.get(prefix + "GROUP_DEV");
        String cdev = env.get(prefix + "CDEV");
        if (bdf != null && group != null && cdev != null && !cdev.equals("-")) {
            return new Located(bdf, group, cdev);
        }
        try {
            for (String line : Files.readAllLines(INVENTORY)) {
                String[] w = line.trim().split("\\s+");
                if (w.length > 1 && w[0].equals(kind.inventoryName)) {
                    return new Located(w[1], value(w, "group_dev"), value(w, "cdev"));
                }
            }
        } catch (IOException e) {
            Assumptions.abort("no " + kind.inventoryName + " device: neither " + prefix + "* nor " + INVENTORY);
        }
        Assumptions.abort("no " + kind.inventoryName + " line in " + INVENTORY);
        throw new AssertionError("unreachable");
    }

    private static String value(String[] words, String key) {
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals(key)) {
                return words[i + 1];
            }
        }
        throw new IllegalStateException("inventory line without " + key + ": " + String.join(" ", words));
    }
}
