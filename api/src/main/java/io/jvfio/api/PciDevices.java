package io.jvfio.api;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * PCI devices as sysfs shows them through a backend's {@link Kernel}: listing (for {@code jvfio
 * ls}), and binding to vfio-pci the way a user does (driver_override, then drivers_probe).
 */
public final class PciDevices {
    public static final String VFIO_PCI = "vfio-pci";

    private static final String DEVICES = "/sys/bus/pci/devices";
    private static final Pattern BDF = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");

    /** Base class (and, where it matters, sub-class) names as lspci prints them. */
    private static final Map<Integer, String> CLASS_NAMES = Map.ofEntries(
            Map.entry(0x0000, "Non-VGA unclassified device"),
            Map.entry(0x0100, "SCSI storage controller"),
            Map.entry(0x0101, "IDE interface"),
            Map.entry(0x0106, "SATA controller"),
            Map.entry(0x0108, "Non-Volatile memory controller"),
            Map.entry(0x0200, "Ethernet controller"),
            Map.entry(0x0300, "VGA compatible controller"),
            Map.entry(0x0403, "Audio device"),
            Map.entry(0x0600, "Host bridge"),
            Map.entry(0x0601, "ISA bridge"),
            Map.entry(0x0604, "PCI bridge"),
            Map.entry(0x0780, "Communication controller"),
            Map.entry(0x0880, "System peripheral"),
            Map.entry(0x0c03, "USB controller"),
            Map.entry(0x0c05, "SMBus"),
            Map.entry(0x00ff, "Unclassified device"));

    private PciDevices() {}

    /** One device: its address, IDs, class, driver, IOMMU group and VFIO cdev (when bound to vfio-pci). */
    public record PciDevice(
            String bdf,
            int vendor,
            int device,
            int classCode,
            Optional<String> driver,
            OptionalInt iommuGroup,
            Optional<String> cdev) {
        /** The class as lspci names it ("Non-Volatile memory controller"), or "Class xxxx". */
        public String className() {
            int sub = classCode >> 8;
            return CLASS_NAMES.getOrDefault(
                    sub, CLASS_NAMES.getOrDefault(sub & 0xff00, String.format(Locale.ROOT, "Class %04x", sub)));
        }

        /** The group's legacy node, /dev/vfio/N, when the device has a group and vfio-pci drives it. */
        public Optional<String> groupDev() {
            return driver.filter(VFIO_PCI::equals)
                    .flatMap(d ->
                            iommuGroup.stream().mapToObj(g -> "/dev/vfio/" + g).findFirst());
        }
    }

    /** {@code bdf} in sysfs form ("00:05.0" → "0000:00:05.0"); IllegalArgumentException if malformed. */
    public static String normalize(String bdf) {
        String b = bdf.strip().toLowerCase(Locale.ROOT);
        if (!b.matches("[0-9a-f]{4}:.*")) {
            b = "0000:" + b;
        }
        if (!BDF.matcher(b).matches()) {
            throw new IllegalArgumentException(
                    "bad PCI address '" + bdf + "' (expected DDDD:BB:DD.F, e.g. 0000:00:05.0)");
        }
        return b;
    }

    /** Every PCI device, in address order; empty where sysfs has no PCI bus. */
    public static List<PciDevice> list(Kernel kernel) {
        List<String> names;
        try {
            names = new ArrayList<>(kernel.listDirectory(DEVICES));
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return List.of();
            }
            throw new JvfioException("list " + DEVICES, e);
        }
        names.sort(null);
        List<PciDevice> out = new ArrayList<>();
        for (String bdf : names) {
            out.add(get(kernel, bdf));
        }
        return out;
    }

    /** The device at {@code bdf}; a JvfioException with ENOENT if there is none. */
    public static PciDevice get(Kernel kernel, String bdf) {
        String b = normalize(bdf);
        String dir = DEVICES + "/" + b;
        try {
            int vendor = Integer.decode(read(kernel, dir + "/vendor"));
            int device = Integer.decode(read(kernel, dir + "/device"));
            int cls = Integer.decode(read(kernel, dir + "/class"));
            Optional<String> driver = link(kernel, dir + "/driver");
            OptionalInt group = link(kernel, dir + "/iommu_group")
                    .map(g -> OptionalInt.of(Integer.parseInt(g)))
                    .orElse(OptionalInt.empty());
            Optional<String> cdev = Optional.empty();
            if (driver.filter(VFIO_PCI::equals).isPresent()) {
                List<String> nodes = kernel.listDirectory(dir + "/vfio-dev");
                cdev = nodes.stream().findFirst().map(n -> "/dev/vfio/devices/" + n);
            }
            return new PciDevice(b, vendor, device, cls, driver, group, cdev);
        } catch (ErrnoException e) {
            throw new JvfioException("read " + dir, e, e.errno() == Errno.ENOENT ? "no such PCI device" : null);
        }
    }

    /**
     * Binds {@code bdf} to vfio-pci unless it already is: writes driver_override, then asks the bus
     * to probe it. Returns whether anything changed. A device another driver holds is refused
     * (IllegalStateException): taking a disk from its driver is for the user to decide.
     */
    public static boolean bindToVfioPci(Kernel kernel, String bdf) {
        PciDevice dev = get(kernel, bdf);
        if (dev.driver().filter(VFIO_PCI::equals).isPresent() && dev.cdev().isPresent()) {
            return false;
        }
        if (dev.driver().isPresent() && !dev.driver().get().equals(VFIO_PCI)) {
            throw new IllegalStateException(
                    dev.bdf() + " is bound to " + dev.driver().get()
                            + "; unbind it first (echo " + dev.bdf() + " > /sys/bus/pci/drivers/"
                            + dev.driver().get()
                            + "/unbind)");
        }
        String dir = DEVICES + "/" + dev.bdf();
        try {
            write(kernel, dir + "/driver_override", VFIO_PCI);
            write(kernel, "/sys/bus/pci/drivers_probe", dev.bdf());
        } catch (ErrnoException e) {
            throw new JvfioException("bind " + dev.bdf() + " to vfio-pci", e, hint(e.errno()));
        }
        if (get(kernel, bdf).driver().filter(VFIO_PCI::equals).isEmpty()) {
            throw new IllegalStateException(dev.bdf() + " did not bind to vfio-pci (is the vfio-pci module loaded?)");
        }
        return true;
    }

    private static String hint(Errno errno) {
        return switch (errno) {
            case EACCES, EPERM -> "writing sysfs needs root";
            case ENODEV -> "no vfio-pci driver here";
            default -> null;
        };
    }

    private static Optional<String> link(Kernel kernel, String path) {
        try {
            String target = kernel.readlink(path);
            return Optional.of(target.substring(target.lastIndexOf('/') + 1));
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static String read(Kernel kernel, String path) {
        int fd = kernel.open(path, Linux.O.RDONLY);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            long n = kernel.read(fd, buf);
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).strip();
        } finally {
            kernel.close(fd);
        }
    }

    private static void write(Kernel kernel, String path, String text) {
        int fd = kernel.open(path, Linux.O.WRONLY);
        try (Arena a = Arena.ofConfined()) {
            byte[] b = (text + "\n").getBytes(StandardCharsets.US_ASCII);
            MemorySegment buf = a.allocate(b.length);
            MemorySegment.copy(MemorySegment.ofArray(b), 0, buf, 0, b.length);
            kernel.write(fd, buf);
        } finally {
            kernel.close(fd);
        }
    }
}
