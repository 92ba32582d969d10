package io.jvfio.emulator.vfio.migration;

import static io.jvfio.abi.vfio.VfioDeviceFeatureMigState.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioPrecopyInfo;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.VfioDeviceFeatures;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A saving session's data fd (read-only, a stream) for the emulator's own migrating devices,
 * following vfio.h's rules as the 7.2 variant drivers do: the driver appends initial and dirty
 * data; in PRE_COPY a read with nothing left is ENOMSG (a temporary end of stream); once the
 * STOP_COPY data is complete the end is permanent (read 0, always readable); after the session
 * ended (the device left its saving states, or a reset) read is ENODEV. VFIO_MIG_GET_PRECOPY_INFO
 * reports what remains, in PRE_COPY states only.
 */
public final class SaveFile extends OpenFile {
    private final VfioDevice device;
    private final SteppedMigration owner;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private byte[] bytes = new byte[0];
    private long pos;
    /** Bytes of the stream that count as initial data; the rest is dirty data. */
    private long initialEnd;

    private boolean complete;
    private boolean disabled;

    public SaveFile(VfioDevice device, SteppedMigration owner) {
        super(Linux.O.RDONLY);
        this.device = device;
        this.owner = owner;
    }

    /** Adds initial data (precopy's initial_bytes). */
    public synchronized void appendInitial(byte[] chunk) {
        append(chunk);
        initialEnd = bytes.length;
    }

    /** Adds data that changed since it was first sent (precopy's dirty_bytes, or STOP_COPY's). */
    public synchronized void appendDirty(byte[] chunk) {
        append(chunk);
    }

    private void append(byte[] chunk) {
        data.writeBytes(chunk);
        bytes = data.toByteArray();
        waitQueue().wakeUp();
    }

    /** STOP_COPY: nothing more will come; the end of stream is permanent. */
    public synchronized void complete() {
        complete = true;
        waitQueue().wakeUp();
    }

    /** The session ended: reads are ENODEV from now on. */
    public synchronized void disable() {
        disabled = true;
        waitQueue().wakeUp();
    }

    @Override
    public synchronized long read(MemorySegment buf) {
        if (disabled) {
            throw new ErrnoException(Errno.ENODEV);
        }
        long left = bytes.length - pos;
        if (left == 0) {
            if (complete) {
                return 0;
            }
            throw new ErrnoException(Errno.ENOMSG);
        }
        long n = Math.min(left, buf.byteSize());
        UserMemory.toSegment(MemorySegment.ofArray(bytes).asSlice(pos, n), buf, n);
        pos += n;
        return n;
    }

    @Override
    public long write(MemorySegment buf) {
        throw new ErrnoException(Errno.EBADF); // opened read-only
    }

    @Override
    public synchronized short poll() {
        return disabled || complete || pos < bytes.length ? Linux.Poll.IN : 0;
    }

    /** VFIO_MIG_GET_PRECOPY_INFO: EINVAL outside PRE_COPY and PRE_COPY_P2P, ENODEV once ended. */
    @Override
    public long ioctl(long request, long arg) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = VfioDeviceFeatures.checkPrecopyIoctl(device, request, arg, arena);
            owner.locked(() -> {
                int state = owner.state();
                if (state != STATE_PRE_COPY && state != STATE_PRE_COPY_P2P) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                synchronized (this) {
                    if (disabled) {
                        throw new ErrnoException(Errno.ENODEV);
                    }
                    VfioPrecopyInfo.INITIAL_BYTES.set(info, Math.max(0, initialEnd - pos));
                    VfioPrecopyInfo.DIRTY_BYTES.set(info, bytes.length - Math.max(pos, initialEnd));
                }
                return null;
            });
            UserMemory.copyOut(info, arg, VfioPrecopyInfo.DEF.minSize());
        }
        return 0;
    }
}
