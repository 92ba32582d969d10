package io.jvfio.conformance;

import io.jvfio.api.PciDevices;
import io.jvfio.kernel.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The devices conformance tests drive, found the same way on either backend. On the emulated
 * default platform the test binds the device to vfio-pci itself, as a user does (driver_override,
 * then drivers_probe). On a real kernel the test VM has bound it and says where it is, in {@code
 * JVFIO_<KIND>_BDF}/{@code _GROUP_DEV}/{@code _CDEV} or the inventory /run/jvfio/devices (see
 * docs/vm.md); without either the test is skipped.
 */
public final class TestDevices {
    /** The test devices and their addresses on the emulated default platform. */
    public enum Kind {
        EDU("edu", "0000:00:04.0"),
        NVME("nvme", "0000:00:05.0");

        private final String inventoryName;
        private final String emulatedAddress;

        Kind(String inventoryName, String emulatedAddress) {
            this.inventoryName = inventoryName;
            this.emulatedAddress = emulatedAddress;
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
        return Backend.isEmulated() ? bindEmulated(k, kind.emulatedAddress) : fromTestVm(kind);
    }

    private static Located bindEmulated(Kernel k, String bdf) {
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
