package io.jvfio.testkit;

import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** sysfs attributes as a user reads and writes them: one open, one read or write, one close. */
public final class Sysfs {
    /** More than any attribute the tests read holds (a sysfs attribute is at most a page). */
    private static final int READ_SIZE = 4096;

    private Sysfs() {}

    public static String read(Kernel k, String path) {
        int fd = k.open(path, Linux.O.RDONLY);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(READ_SIZE);
            long n = k.read(fd, buf);
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } finally {
            k.close(fd);
        }
    }

    public static void write(Kernel k, String path, String text) {
        int fd = k.open(path, Linux.O.WRONLY);
        try (Arena a = Arena.ofConfined()) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            // an empty write still needs a valid buffer address
            MemorySegment buf = a.allocate(Math.max(1, b.length));
            MemorySegment.copy(MemorySegment.ofArray(b), 0, buf, 0, b.length);
            k.write(fd, buf.asSlice(0, b.length));
        } finally {
            k.close(fd);
        }
    }

    /**
     * Binds the PCI function at {@code bdf} to {@code driver} as a user does: driver_override, then
     * drivers_probe.
     */
    public static void bind(Kernel k, String bdf, String driver) {
        write(k, "/sys/bus/pci/devices/" + bdf + "/driver_override", driver + "\n");
        write(k, "/sys/bus/pci/drivers_probe", bdf + "\n");
    }

    /** Removes the mdev {@code uuid} as a user does (its remove attribute), if it exists. */
    public static void removeMdevIfPresent(Kernel k, String uuid) {
        String dev = "/sys/bus/mdev/devices/" + uuid;
        try {
            k.readlink(dev);
        } catch (ErrnoException e) {
            return;
        }
        write(k, dev + "/remove", "1");
    }
}
