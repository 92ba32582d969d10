package io.jvfio.devices.mtty;

import static io.jvfio.abi.vfio.VfioDeviceFeatureMigState.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioPrecopyInfo;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.vfio.VfioDeviceFeatures;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * mtty's data fd ({@code struct mtty_migration_file}, "mtty_mig"): a stream over {@code struct
 * mtty_data}, read-only for saving (mtty_save_fops: read, the PRECOPY_INFO ioctl) or write-only
 * for resuming (mtty_resume_fops: write). No poll op, so always readable and writable; a read with
 * nothing left returns 0, in PRE_COPY too (the sample never answers ENOMSG).
 */
final class MttyMigrationFile extends OpenFile {
    static final long MAGIC = 0x7e9d09898c3e2c4eL;
    static final int MAJOR_VER = 1;
    static final int MINOR_VER = 0;
    /** {@code offsetof(struct mtty_data, ports)}. */
    static final int HEADER_SIZE = 24;

    private final MttyMigration owner;
    private final boolean saving;
    /** {@code struct mtty_data}: the header, then two ports. */
    private final byte[] data = new byte[HEADER_SIZE + 2 * MttyDevice.PORT_STATE_SIZE];

    private long filledSize;
    private long pos;
    private boolean disabled;

    private MttyMigrationFile(MttyMigration owner, boolean saving) {
        super(saving ? Linux.O.RDONLY : Linux.O.WRONLY);
        this.owner = owner;
        this.saving = saving;
    }

    /** mtty_save_device_data's new file: the header filled in. */
    static MttyMigrationFile forSaving(MttyMigration owner, int nrPorts) {
        MttyMigrationFile f = new MttyMigrationFile(owner, true);
        ByteBuffer.wrap(f.data)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0, MAGIC)
                .putInt(8, MAJOR_VER)
                .putInt(12, MINOR_VER)
                .putInt(16, nrPorts);
        f.filledSize = HEADER_SIZE;
        return f;
    }

    static MttyMigrationFile forResuming(MttyMigration owner) {
        return new MttyMigrationFile(owner, false);
    }

    /** mtty_save_state: the ports after the header. */
    synchronized void fill(byte[] ports) {
        System.arraycopy(ports, 0, data, (int) filledSize, ports.length);
        filledSize += ports.length;
    }

    /** mtty_load_state: the ports, or EINVAL if fewer bytes than the device's state arrived. */
    synchronized byte[] ports(int dataSize) {
        if (filledSize < dataSize) {
            throw new ErrnoException(Errno.EINVAL);
        }
        byte[] ports = new byte[dataSize - HEADER_SIZE];
        System.arraycopy(data, HEADER_SIZE, ports, 0, ports.length);
        return ports;
    }

    /** mtty_disable_file. */
    synchronized void disable() {
        disabled = true;
        filledSize = 0;
        pos = 0;
    }

    /** mtty_save_read: ENODEV once disabled; whatever is filled and not yet read. */
    @Override
    public synchronized long read(MemorySegment buf) {
        if (!saving) {
            throw new ErrnoException(Errno.EBADF);
        }
        if (disabled) {
            throw new ErrnoException(Errno.ENODEV);
        }
        if (pos > filledSize) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long n = Math.min(filledSize - pos, buf.byteSize());
        if (n > 0) {
            UserMemory.toSegment(MemorySegment.ofArray(data).asSlice(pos, n), buf, n);
            pos += n;
        }
        return n;
    }

    /**
     * mtty_resume_write: past the state's size ENOMEM (before anything else), ENODEV once
     * disabled, EFAULT; a header that does not match this device is EFAULT too, though the
     * bytes were taken (the sample advances before it checks).
     */
    @Override
    public long write(MemorySegment buf) {
        if (saving) {
            throw new ErrnoException(Errno.EBADF);
        }
        long len = buf.byteSize();
        int dataSize = owner.dataSize();
        synchronized (this) { // one block: the sample checks the size unlocked, a race Java must not have
            if (pos + len > dataSize) {
                throw new ErrnoException(Errno.ENOMEM);
            }
            if (disabled) {
                throw new ErrnoException(Errno.ENODEV);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment copy = arena.allocate(Math.max(1, len));
                UserMemory.fromSegment(buf, copy, len);
                MemorySegment.copy(copy, 0, MemorySegment.ofArray(data), pos, len);
            }
            pos += len;
            boolean crossesHeader = filledSize < HEADER_SIZE && filledSize + len >= HEADER_SIZE;
            filledSize += len;
            if (crossesHeader && !headerMatches()) {
                throw new ErrnoException(Errno.EFAULT);
            }
            return len;
        }
    }

    private boolean headerMatches() {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        return b.getLong(0) == MAGIC
                && b.getInt(20) == 0
                && b.getInt(8) == MAJOR_VER
                && b.getInt(12) == MINOR_VER
                && b.getInt(16) == owner.nrPorts();
    }

    /**
     * mtty_precopy_ioctl (saving files only; resuming ones have no ioctl): the core's checks, then
     * EINVAL outside the PRE_COPY states, ENODEV once disabled; initial_bytes is what is left to
     * read, dirty_bytes always 0.
     */
    @Override
    public long ioctl(long request, long arg) {
        if (!saving) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = VfioDeviceFeatures.checkPrecopyIoctl(owner.vfioDevice(), request, arg, arena);
            owner.precopyLocked(() -> {
                int state = owner.currentState();
                if (state != STATE_PRE_COPY && state != STATE_PRE_COPY_P2P) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                synchronized (this) {
                    if (disabled) {
                        throw new ErrnoException(Errno.ENODEV);
                    }
                    if (pos > filledSize) {
                        throw new ErrnoException(Errno.EINVAL);
                    }
                    VfioPrecopyInfo.DIRTY_BYTES.set(info, 0);
                    VfioPrecopyInfo.INITIAL_BYTES.set(info, filledSize - pos);
                }
            });
            UserMemory.copyOut(info, arg, VfioPrecopyInfo.DEF.minSize());
        }
        return 0;
    }
}
