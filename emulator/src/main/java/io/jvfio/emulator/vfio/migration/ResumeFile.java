package io.jvfio.emulator.vfio.migration;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A resuming session's data fd (write-only, a stream) for the emulator's own migrating devices:
 * writes append, in any segmentation, up to the driver's limit (ENOMEM beyond it, as mtty);
 * after the session ended, ENODEV. The driver takes the bytes when the device leaves RESUMING.
 */
public final class ResumeFile extends OpenFile {
    private final long limit;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private boolean disabled;

    public ResumeFile(long limit) {
        super(Linux.O.WRONLY);
        this.limit = limit;
    }

    @Override
    public synchronized long write(MemorySegment buf) {
        long n = buf.byteSize();
        if (data.size() + n > limit) {
            throw new ErrnoException(Errno.ENOMEM);
        }
        if (disabled) {
            throw new ErrnoException(Errno.ENODEV);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate(Math.max(1, n));
            UserMemory.fromSegment(buf, copy, n);
            data.writeBytes(copy.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
        return n;
    }

    @Override
    public long read(MemorySegment buf) {
        throw new ErrnoException(Errno.EBADF); // opened write-only
    }

    @Override
    public short poll() {
        return Linux.Poll.OUT;
    }

    /** Everything written so far. */
    public synchronized byte[] bytes() {
        return data.toByteArray();
    }

    /** The session ended: writes are ENODEV from now on. */
    public synchronized void disable() {
        disabled = true;
    }
}
