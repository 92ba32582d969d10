package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.catalog.IoctlNames;
import io.jvfio.kernel.FileStat;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.PollFd;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The emulated kernel's core: the {@link Kernel} boundary (the system calls, the VFS, fd tables,
 * processes, user memory) and the {@link KernelServices} the subsystems are built on, knowing none
 * of them. User memory is the JVM's real memory: anonymous and memfd mappings are real mappings,
 * and kernel code reads user pointers through {@link UserMemory}. The class that assembles a kernel
 * extends this and loads the subsystems in boot order.
 */
public abstract class KernelCore implements Kernel, KernelServices {
    private final EmulatorConfig config;
    private final Vfs vfs = new Vfs();
    private final FdTable fds = new FdTable();
    private final FaultInjection faults = new FaultInjection();
    private final PhysicalPages physicalPages = new PhysicalPages();
    private final Task initTask;
    private final ThreadLocal<Task> current = new ThreadLocal<>();

    protected KernelCore(EmulatorConfig config) {
        this.config = config;
        this.initTask = new Task(
                new Mm(AddressSpace.LOCAL),
                fds,
                new UserAccount(),
                config.rlimitMemlock(),
                config.capIpcLock(),
                config.capSysResource(),
                config.capSysRawio());
        // mem's minor 3, 0666 as mem_class gives it
        vfs.register("/dev/null", new CharDevice(1, 3, 0666, (k, flags) -> new NullFile(flags)));
    }

    @Override
    public final EmulatorConfig config() {
        return config;
    }

    @Override
    public final Vfs vfs() {
        return vfs;
    }

    @Override
    public final PhysicalPages physicalPages() {
        return physicalPages;
    }

    @Override
    public final FaultInjection faults() {
        return faults;
    }

    @Override
    public final Task currentTask() {
        Task t = current.get();
        return t != null ? t : initTask;
    }

    /** The process the kernel was created with. */
    public Task initTask() {
        return initTask;
    }

    /**
     * A new process of the same user in this JVM, with its own mm counters (fork without shared
     * charges); it shares the JVM's memory and fd table.
     */
    public Task newProcess() {
        return new Task(
                new Mm(AddressSpace.LOCAL),
                fds,
                initTask.user(),
                initTask.rlimitMemlock(),
                initTask.capIpcLock(),
                initTask.capSysResource(),
                initTask.capSysRawio());
    }

    /**
     * A new process of the same user with its own memory, fd table and credentials (a client of
     * {@code jvfio run}).
     */
    public Task newProcess(AddressSpace space, FileTable files, Credentials credentials) {
        return new Task(new Mm(space), files, initTask.user(), credentials);
    }

    /** Runs {@code body} with {@code task} as the current process of the calling thread. */
    public <T> T callAs(Task task, Supplier<T> body) {
        Task previous = current.get();
        current.set(task);
        AddressSpace previousSpace = UserMemory.setCurrent(task.mm().space());
        try {
            return body.get();
        } finally {
            current.set(previous);
            UserMemory.setCurrent(previousSpace);
        }
    }

    @Override
    public final int installFd(OpenFile file) {
        return files().install(file, Linux.O.CLOEXEC);
    }

    @Override
    public final OpenFile fget(int fd) {
        return files().get(fd);
    }

    private FileTable files() {
        return currentTask().files();
    }

    @Override
    public String name() {
        return "emulated";
    }

    @Override
    public int open(String path, int flags) {
        return call("open(" + path + ")", () -> {
            DeviceNode node = vfs.lookup(path);
            OpenFile f = node.open(this, flags);
            f.openedWith(flags, node);
            return files().install(f, flags);
        });
    }

    /** fcntl(2) F_GETFL and F_SETFL; the descriptor's own flags (FD_CLOEXEC) are the fd table's. */
    public int fcntl(int fd, int cmd, long arg) {
        return withFile(fd, "fcntl(" + fd + ")", f -> switch (cmd) {
            case Linux.F.GETFL -> f.flags();
            case Linux.F.SETFL -> {
                f.setfl((int) arg);
                yield 0;
            }
            default -> throw new ErrnoException(Errno.EINVAL);
        });
    }

    @Override
    public final void close(int fd) {
        call("close(" + fd + ")", () -> {
            files().remove(fd).put();
            return null;
        });
    }

    @Override
    public long ioctl(int fd, long request, MemorySegment arg) {
        return UserMemory.withArgument(arg, () -> ioctl(fd, request, arg.address()));
    }

    @Override
    public long ioctl(int fd, long request, long arg) {
        // The name is built only on failure: ioctls are the hot path.
        return withFile(fd, () -> "ioctl(" + IoctlNames.describe(request) + ")", f -> {
            try {
                return f.ioctl(request, arg);
            } catch (ErrnoException e) {
                // The VFS turns the kernel-internal "no such ioctl" into ENOTTY.
                if (e.errno() == Errno.ENOIOCTLCMD) {
                    throw new ErrnoException(Errno.ENOTTY);
                }
                throw e;
            }
        });
    }

    @Override
    public long read(int fd, MemorySegment buf) {
        return withFile(fd, "read(" + fd + ")", f -> f.read(buf));
    }

    @Override
    public long write(int fd, MemorySegment buf) {
        return withFile(fd, "write(" + fd + ")", f -> f.write(buf));
    }

    @Override
    public long pread(int fd, MemorySegment buf, long offset) {
        return withFile(fd, "pread(" + fd + ")", f -> f.pread(buf, offset));
    }

    @Override
    public long pwrite(int fd, MemorySegment buf, long offset) {
        return withFile(fd, "pwrite(" + fd + ")", f -> f.pwrite(buf, offset));
    }

    @Override
    public MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        if ((flags & Linux.Map.ANONYMOUS) != 0) {
            return NativeKernel.instance().mmap(length, prot, flags, -1, offset);
        }
        return withFile(fd, "mmap(fd " + fd + ")", f -> {
            // ksys_mmap_pgoff/do_mmap before the file's mmap.
            if (length == 0 || offset % Linux.PAGE_SIZE != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            return f.mmap(length, prot, flags, offset);
        });
    }

    @Override
    public final void addVma(MemorySegment mapping, OpenFile file, Runnable close) {
        currentTask().mm().space().addVma(mapping, file, close);
    }

    @Override
    public void munmap(MemorySegment mapping) {
        NativeKernel.instance().munmap(mapping);
        currentTask().mm().space().unmapped(mapping.address(), mapping.byteSize());
    }

    @Override
    public short[] poll(List<PollFd> request, int timeoutMillis) {
        WaitQueue.Waiter waiter = new WaitQueue.Waiter();
        List<OpenFile> files = new ArrayList<>();
        for (PollFd p : request) {
            OpenFile f = files().getOrNull(p.fd());
            files.add(f);
            if (f != null) {
                f.waitQueue().add(waiter);
            }
        }
        try {
            long deadline = timeoutMillis < 0 ? 0 : System.nanoTime() + timeoutMillis * 1_000_000L;
            while (true) {
                short[] revents = new short[request.size()];
                boolean any = false;
                for (int i = 0; i < revents.length; i++) {
                    OpenFile f = files.get(i);
                    short always = Linux.Poll.ERR | Linux.Poll.HUP;
                    int r = f == null
                            ? Linux.Poll.NVAL
                            : f.poll() & (request.get(i).events() | always);
                    revents[i] = (short) r;
                    any |= r != 0;
                }
                long left = timeoutMillis < 0 ? -1 : deadline - System.nanoTime();
                if (any || (timeoutMillis >= 0 && left <= 0)) {
                    return revents;
                }
                waiter.await(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "poll");
        } finally {
            for (OpenFile f : files) {
                if (f != null) {
                    f.waitQueue().remove(waiter);
                    f.put();
                }
            }
        }
    }

    @Override
    public int eventfd(int initval, int flags) {
        return call("eventfd", () -> {
            if ((flags & ~(Linux.Efd.SEMAPHORE | Linux.Efd.NONBLOCK | Linux.Efd.CLOEXEC)) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            return files().install(new EventFdFile(Integer.toUnsignedLong(initval), flags), flags);
        });
    }

    @Override
    public int[] pipe(int flags) {
        return call("pipe2", () -> {
            if ((flags & ~(Linux.O.NONBLOCK | Linux.O.CLOEXEC)) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            Pipe p = new Pipe(flags);
            FileTable t = files();
            return new int[] {t.install(p.readEnd, flags), t.install(p.writeEnd, flags)};
        });
    }

    @Override
    public int memfd(String name, int flags) {
        return call("memfd_create(" + name + ")", () -> files().install(new MemFdFile(name, flags), flags));
    }

    @Override
    public void ftruncate(int fd, long length) {
        withFile(fd, "ftruncate(" + fd + ")", f -> {
            f.truncate(length);
            return null;
        });
    }

    @Override
    public FileStat fstat(int fd) {
        return withFile(fd, "fstat(" + fd + ")", OpenFile::getattr);
    }

    @Override
    public List<String> listDirectory(String path) {
        return call("opendir(" + path + ")", () -> vfs.list(path));
    }

    @Override
    public String readlink(String path) {
        return call("readlink(" + path + ")", () -> vfs.readlink(path));
    }

    private interface FileOp<T> {
        T apply(OpenFile f);
    }

    private <T> T withFile(int fd, String what, FileOp<T> op) {
        return withFile(fd, () -> what, op);
    }

    private <T> T withFile(int fd, Supplier<String> what, FileOp<T> op) {
        return call(what, () -> {
            OpenFile f = files().get(fd);
            try {
                return op.apply(f);
            } finally {
                f.put();
            }
        });
    }

    private static <T> T call(String what, Callable<T> body) {
        return call(() -> what, body);
    }

    private static <T> T call(Supplier<String> what, Callable<T> body) {
        try {
            return body.call();
        } catch (ErrnoException e) {
            throw e.withCall(what.get());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
