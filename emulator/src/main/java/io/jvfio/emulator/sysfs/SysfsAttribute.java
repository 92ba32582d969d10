package io.jvfio.emulator.sysfs;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.DeviceNode;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.kernel.FileStat;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A sysfs attribute file (kernfs over {@code struct device_attribute}): reading calls {@code show}
 * for the text (read at the file position, so repeated reads see end of file), writing hands the
 * written text to {@code store}, which throws an {@link ErrnoException} to fail the write. Opening
 * for reading a write-only attribute, or for writing a read-only one, is EACCES.
 */
public final class SysfsAttribute implements DeviceNode {
    /** What stat shows as a text attribute's size: a page (kernfs sizes it PAGE_SIZE). */
    private static final long PAGE = Linux.PAGE_SIZE;
    /** The size of a binary attribute: its contents' length (the bin_attribute's size). */
    private static final long BINARY = -1;

    private final Supplier<byte[]> show;
    private final Consumer<String> store;
    private final int permissions;
    private final long size;

    private SysfsAttribute(Supplier<byte[]> show, Consumer<String> store, int permissions, long size) {
        this.show = show;
        this.store = store;
        this.permissions = permissions;
        this.size = size;
    }

    private SysfsAttribute(Supplier<byte[]> show, Consumer<String> store) {
        this(show, store, (show != null ? 0444 : 0) | (store != null ? 0200 : 0), PAGE);
    }

    private static Supplier<byte[]> text(Supplier<String> show) {
        return () -> show.get().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A debugfs file (debugfs_create_bool and the like) reading {@code show} and writing to
     * {@code store}, with the permissions it is created with; stat shows size 0 as debugfs does.
     */
    public static SysfsAttribute debugfs(Supplier<String> show, Consumer<String> store, int permissions) {
        return new SysfsAttribute(text(show), store, permissions, 0);
    }

    /** The same attribute with other permissions (a DEVICE_ATTR's or module_param's mode). */
    public SysfsAttribute withPermissions(int permissions) {
        return new SysfsAttribute(show, store, permissions, size);
    }

    /** A regular file of the attribute's permissions, a page long (a binary one as long as it is). */
    @Override
    public FileStat getattr() {
        return new FileStat(FileStat.S_IFREG | permissions, 0, size == BINARY ? show.get().length : size);
    }

    public static SysfsAttribute readOnly(Supplier<String> show) {
        return new SysfsAttribute(text(show), null);
    }

    /** A read-only binary attribute (a {@code bin_attribute}, such as a PCI device's config). */
    public static SysfsAttribute binary(Supplier<byte[]> show) {
        return new SysfsAttribute(show, null, 0444, BINARY);
    }

    public static SysfsAttribute writeOnly(Consumer<String> store) {
        return new SysfsAttribute(null, store);
    }

    public static SysfsAttribute readWrite(Supplier<String> show, Consumer<String> store) {
        return new SysfsAttribute(text(show), store);
    }

    @Override
    public OpenFile open(KernelServices kernel, int flags) {
        int mode = flags & Linux.O.ACCMODE;
        if ((mode != Linux.O.WRONLY && show == null) || (mode != Linux.O.RDONLY && store == null)) {
            throw new ErrnoException(Errno.EACCES);
        }
        return new AttributeFile(flags);
    }

    private final class AttributeFile extends OpenFile {
        private long pos;

        AttributeFile(int flags) {
            super(flags);
        }

        @Override
        public boolean iterates(boolean write) {
            return true;
        }

        @Override
        public synchronized long read(MemorySegment buf) {
            long n = pread(buf, pos);
            pos += n;
            return n;
        }

        @Override
        public long pread(MemorySegment buf, long offset) {
            checkAccess(Linux.O.WRONLY);
            byte[] text = show.get();
            if (offset >= text.length) {
                return 0;
            }
            long n = Math.min(buf.byteSize(), text.length - offset);
            UserMemory.toSegment(MemorySegment.ofArray(text).asSlice(offset, n), buf, n);
            return n;
        }

        @Override
        public long write(MemorySegment buf) {
            return pwrite(buf, 0);
        }

        @Override
        public long pwrite(MemorySegment buf, long offset) {
            checkAccess(Linux.O.RDONLY);
            byte[] text = new byte[(int) Math.min(buf.byteSize(), 4096)];
            UserMemory.fromSegment(buf, MemorySegment.ofArray(text), text.length);
            store.accept(new String(text, StandardCharsets.UTF_8));
            return text.length;
        }

        /** EBADF for a read on a write-only fd or a write on a read-only one, as the VFS answers. */
        private void checkAccess(int forbiddenMode) {
            if ((flags() & Linux.O.ACCMODE) == forbiddenMode) {
                throw new ErrnoException(Errno.EBADF);
            }
        }
    }
}
