import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Run by vm/stage inside the test VM (compiled on the host, so the guest pays no javac): proves
 * the facts the native backend relies on, the same way it works (FFM straight to libc, no JNI).
 * Prints one "vm-check: ok NAME" or "vm-check: FAIL NAME: why" line per check; exits 0.
 */
public final class VmProbe {
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    // _IO(';', 0x80) and _IO(';', 0x81) from include/uapi/linux/iommufd.h
    private static final long IOMMU_DESTROY = 0x3b80;
    private static final long IOMMU_IOAS_ALLOC = 0x3b81;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle IOCTL = downcall("ioctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, options);
    }

    private static void ok(String name) {
        System.out.println("vm-check: ok " + name);
    }

    private static void fail(String name, String why) {
        System.out.println("vm-check: FAIL " + name + ": " + why);
    }

    /** open(2); returns the fd, or -errno. */
    private static int open(Arena arena, String path) throws Throwable {
        MemorySegment state = arena.allocate(CALL_STATE);
        int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDWR | O_CLOEXEC);
        return fd >= 0 ? fd : -(int) ERRNO.get(state, 0L);
    }

    /** ioctl(2) with a pointer argument; returns 0, or -errno. */
    private static int ioctl(Arena arena, int fd, long request, MemorySegment arg) throws Throwable {
        MemorySegment state = arena.allocate(CALL_STATE);
        int rc = (int) IOCTL.invokeExact(state, fd, request, arg);
        return rc >= 0 ? rc : -(int) ERRNO.get(state, 0L);
    }

    private static void close(int fd) throws Throwable {
        MemorySegment state = Arena.ofAuto().allocate(CALL_STATE);
        int unused = (int) CLOSE.invokeExact(state, fd);
    }

    public static void main(String[] args) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            int fd = open(arena, "/dev/iommu");
            if (fd < 0) {
                fail("jvm open /dev/iommu", "errno " + -fd);
            } else {
                ok("jvm open /dev/iommu");
                // struct iommu_ioas_alloc { u32 size; u32 flags; u32 out_ioas_id; }
                MemorySegment alloc = arena.allocate(12, 4);
                alloc.set(ValueLayout.JAVA_INT, 0, 12);
                int rc = ioctl(arena, fd, IOMMU_IOAS_ALLOC, alloc);
                int id = alloc.get(ValueLayout.JAVA_INT, 8);
                if (rc != 0 || id == 0) {
                    fail("jvm IOMMU_IOAS_ALLOC", "rc " + rc + ", ioas id " + id);
                } else {
                    // struct iommu_destroy { u32 size; u32 id; }
                    MemorySegment destroy = arena.allocate(8, 4);
                    destroy.set(ValueLayout.JAVA_INT, 0, 8);
                    destroy.set(ValueLayout.JAVA_INT, 4, id);
                    int drc = ioctl(arena, fd, IOMMU_DESTROY, destroy);
                    if (drc != 0) {
                        fail("jvm IOMMU_IOAS_ALLOC + IOMMU_DESTROY", "destroy of ioas " + id + ": rc " + drc);
                    } else {
                        ok("jvm IOMMU_IOAS_ALLOC + IOMMU_DESTROY (ioas " + id + ")");
                    }
                }
                close(fd);
            }
            checkGroupLinks();
            checkInventoryNodes(arena);
        }
    }

    /** Every PCI device's iommu_group link resolves to /sys/kernel/iommu_groups/N. */
    private static void checkGroupLinks() throws IOException {
        List<String> bad = new ArrayList<>();
        int n = 0;
        try (Stream<Path> devices = Files.list(Path.of("/sys/bus/pci/devices"))) {
            for (Path dev : devices.sorted().toList()) {
                n++;
                try {
                    Path group = dev.resolve("iommu_group").toRealPath();
                    if (!group.getParent().equals(Path.of("/sys/kernel/iommu_groups"))) {
                        bad.add(dev.getFileName() + " -> " + group);
                    }
                } catch (IOException e) {
                    bad.add(dev.getFileName() + ": " + e);
                }
            }
        }
        if (n == 0 || !bad.isEmpty()) {
            fail("jvm resolves /sys/bus/pci/devices/*/iommu_group", n + " devices; " + bad);
        } else {
            ok("jvm resolves /sys/bus/pci/devices/*/iommu_group (" + n + " devices)");
        }
    }

    /** The inventory's group and cdev nodes open read-write from the JVM. */
    private static void checkInventoryNodes(Arena arena) throws Throwable {
        String inventory = System.getenv().getOrDefault("JVFIO_VM_DEVICES", "/run/jvfio/devices");
        for (String line : Files.readAllLines(Path.of(inventory))) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2 || f[0].startsWith("#")) {
                continue;
            }
            for (int i = 2; i + 1 < f.length; i += 2) {
                if (!f[i].equals("group_dev") && !f[i].equals("cdev")) {
                    continue;
                }
                String name = "jvm open " + f[0] + " " + f[i] + " " + f[i + 1];
                int fd = f[i + 1].equals("-") ? -2 : open(arena, f[i + 1]);
                if (fd < 0) {
                    fail(name, "errno " + -fd);
                } else {
                    ok(name);
                    close(fd);
                }
            }
        }
    }
}
