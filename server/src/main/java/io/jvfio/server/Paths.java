package io.jvfio.server;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.Task;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.Vfs;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.sysfs.SysfsAttribute;
import io.jvfio.kernel.FileStat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which paths a client's open, stat, readlink and opendir reach in the emulated kernel. The client
 * forwards every path under {@link #PREFIXES}; here each is answered by the emulation, by a file
 * of the server's own (a client's /proc/PID/status with the emulated VmPin and VmLck, fail-nth),
 * or passed back for the client to make the real call (the rest of sysfs and procfs).
 */
final class Paths {
    /** What the client forwards: the emulation's device nodes, sysfs and procfs. */
    static final List<String> PREFIXES = List.of("/dev/iommu", "/dev/vfio", "/sys/", "/proc/");

    /** Subtrees the emulation owns outright: what it lacks there does not exist. */
    private static final List<String> OWNED = List.of(
            "/dev/iommu",
            "/dev/vfio",
            "/sys/bus/pci/",
            "/sys/bus/mdev/",
            "/sys/kernel/iommu_groups",
            "/sys/class/vfio",
            "/sys/class/iommu",
            "/sys/class/mdev_bus",
            "/sys/module/vfio",
            "/sys/kernel/debug/");

    private static final Pattern STATUS = Pattern.compile("/proc/(self|thread-self|\\d+)/status");
    private static final Pattern FAIL_NTH =
            Pattern.compile("/proc/(?:(?:self|\\d+)/task/\\d+|thread-self|self)/fail-nth");

    /** The fault-injection knobs iommufd_fail_nth sets up in debugfs; they accept what is written. */
    private static final List<String> DEBUGFS_KNOBS = List.of(
            "failslab/ignore-gfp-wait",
            "failslab/verbose",
            "fail_page_alloc/ignore-gfp-wait",
            "fail_page_alloc/ignore-gfp-highmem",
            "fail_page_alloc/verbose",
            "fail_usercopy/verbose");

    private final EmulatedKernel kernel;
    private final KernelServer server;

    Paths(EmulatedKernel kernel, KernelServer server) {
        this.kernel = kernel;
        this.server = server;
        for (String knob : DEBUGFS_KNOBS) {
            String[] value = {knob.endsWith("verbose") ? "2\n" : "Y\n"};
            kernel.vfs()
                    .register(
                            "/sys/kernel/debug/" + knob,
                            SysfsAttribute.debugfs(() -> value[0], s -> value[0] = s.strip() + "\n", 0600));
        }
    }

    private static boolean owned(String path) {
        for (String o : OWNED) {
            if (path.startsWith(o) || (path + "/").equals(o)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the emulated VFS has {@code path}; ENOENT there is PASS outside the owned subtrees. */
    private boolean emulated(String path) {
        try {
            kernel.vfs().fileType(path, false);
            return true;
        } catch (ErrnoException e) {
            if (owned(path)) {
                throw e;
            }
            return false;
        }
    }

    Connection.Reply open(String path, int flags) {
        Matcher m = STATUS.matcher(path);
        if (m.matches()) {
            ClientProcess p = server.process(pidOf(m.group(1)));
            return p == null ? Connection.Reply.pass() : install(new TextFile(status(p)), flags);
        }
        if (FAIL_NTH.matcher(path).matches()) {
            return install(new FailNthFile(kernel.faults()), flags);
        }
        if (!emulated(path)) {
            return Connection.Reply.pass();
        }
        return Connection.Reply.of(kernel.open(path, flags));
    }

    private static Connection.Reply install(io.jvfio.emulator.OpenFile file, int flags) {
        return Connection.Reply.of(currentTask().files().install(file, flags));
    }

    private static Task currentTask() {
        return Connection.currentTask();
    }

    private static int pidOf(String which) {
        return which.equals("self") || which.equals("thread-self")
                ? Connection.current().pid()
                : Integer.parseInt(which);
    }

    /** /proc/PID/status as the host has it, with the emulated kernel's VmLck and VmPin. */
    private static byte[] status(ClientProcess p) {
        String text;
        try {
            text = Files.readString(Path.of("/proc/" + p.pid + "/status"));
        } catch (IOException e) {
            throw new ErrnoException(Errno.ESRCH);
        }
        long lockedKb = p.task.mm().lockedPages() * Linux.PAGE_SIZE / 1024;
        long pinnedKb = p.task.mm().pinnedPages() * Linux.PAGE_SIZE / 1024;
        text = text.replaceAll("(?m)^VmLck:.*$", String.format("VmLck:\t%8d kB", lockedKb))
                .replaceAll("(?m)^VmPin:.*$", String.format("VmPin:\t%8d kB", pinnedKb));
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** stat(2) ({@code follow}) or lstat(2): mode, rdev and size as the emulated kernel has them. */
    Connection.Reply stat(String path, boolean follow) {
        if (STATUS.matcher(path).matches() || FAIL_NTH.matcher(path).matches() || !emulated(path)) {
            return Connection.Reply.pass();
        }
        FileStat s = kernel.vfs().getattr(path, follow);
        return Connection.Reply.values(0, s.mode(), s.rdev(), s.size());
    }

    Connection.Reply readlink(String path) {
        if (!emulated(path)) {
            return Connection.Reply.pass();
        }
        return Connection.Reply.of(0, kernel.readlink(path).getBytes(StandardCharsets.UTF_8));
    }

    /** A directory's entries, each a d_type byte then the name and a NUL. */
    Connection.Reply list(String path) {
        if (!emulated(path)) {
            return Connection.Reply.pass();
        }
        StringBuilder sb = new StringBuilder();
        String dir = path.endsWith("/") ? path : path + "/";
        for (String name : kernel.listDirectory(path)) {
            int type = kernel.vfs().fileType(dir + name, false);
            char dtype = type == Vfs.S_IFDIR ? (char) 4 : type == Vfs.S_IFLNK ? (char) 10 : (char) 8;
            sb.append(dtype).append(name).append('\0');
        }
        return Connection.Reply.of(0, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A read-only snapshot (a /proc file's text at open). */
    private static final class TextFile extends io.jvfio.emulator.OpenFile {
        private final byte[] text;
        private long position;

        TextFile(byte[] text) {
            super(Linux.O.RDONLY);
            this.text = text;
        }

        /** procfs's /proc/PID/status: regular, S_IRUGO, size 0. */
        @Override
        public FileStat getattr() {
            return new FileStat(FileStat.S_IFREG | 0444, 0, 0);
        }

        /** A seq_file: read_iter. */
        @Override
        public boolean iterates(boolean write) {
            return true;
        }

        @Override
        public synchronized long read(java.lang.foreign.MemorySegment buf) {
            long n = pread(buf, position);
            position += n;
            return n;
        }

        @Override
        public long pread(java.lang.foreign.MemorySegment buf, long offset) {
            if (offset < 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int from = (int) Math.min(offset, text.length);
            int n = (int) Math.min(buf.byteSize(), text.length - from);
            UserMemory.toSegment(java.lang.foreign.MemorySegment.ofArray(text).asSlice(from, n), buf, n);
            return n;
        }
    }

    /**
     * /proc/self/task/TID/fail-nth: writing N arms the emulated fault injection for the writing
     * thread (0 disarms); reading gives the points still to pass, 0 once the failure happened.
     */
    private static final class FailNthFile extends io.jvfio.emulator.OpenFile {
        private final io.jvfio.emulator.FaultInjection faults;

        FailNthFile(io.jvfio.emulator.FaultInjection faults) {
            super(Linux.O.RDWR);
            this.faults = faults;
        }

        /** procfs's fail-nth: regular, 0644, size 0. */
        @Override
        public FileStat getattr() {
            return new FileStat(FileStat.S_IFREG | 0644, 0, 0);
        }

        @Override
        public long read(java.lang.foreign.MemorySegment buf) {
            return pread(buf, 0);
        }

        @Override
        public long pread(java.lang.foreign.MemorySegment buf, long offset) {
            byte[] text = (faults.remaining() + "\n").getBytes(StandardCharsets.US_ASCII);
            int from = (int) Math.min(Math.max(offset, 0), text.length);
            int n = (int) Math.min(buf.byteSize(), text.length - from);
            UserMemory.toSegment(java.lang.foreign.MemorySegment.ofArray(text).asSlice(from, n), buf, n);
            return n;
        }

        @Override
        public long write(java.lang.foreign.MemorySegment buf) {
            return pwrite(buf, 0);
        }

        @Override
        public long pwrite(java.lang.foreign.MemorySegment buf, long offset) {
            byte[] bytes = new byte[(int) Math.min(buf.byteSize(), 32)];
            java.lang.foreign.MemorySegment.copy(
                    buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
            long n;
            try {
                n = Long.parseLong(new String(bytes, StandardCharsets.US_ASCII).strip());
            } catch (NumberFormatException e) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (n < 0 || n > 0xffffffffL) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (n == 0) {
                faults.disarm();
            } else {
                faults.failNth(n);
            }
            return buf.byteSize();
        }
    }
}
