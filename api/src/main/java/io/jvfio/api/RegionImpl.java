package io.jvfio.api;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

final class RegionImpl implements Region {
    private final VfioDeviceImpl device;
    private final RegionInfo info;

    RegionImpl(VfioDeviceImpl device, RegionInfo info) {
        this.device = device;
        this.info = info;
    }

    @Override
    public RegionInfo info() {
        return info;
    }

    private String op(String what, long offset, long size) {
        return "Region[" + device.name() + " #" + info.index() + "]." + what + "(" + Sys.hex(offset) + ", " + size
                + " bytes)";
    }

    private void checkRange(long offset, long size) {
        if (offset < 0 || size < 0 || offset + size > info.size()) {
            throw new IndexOutOfBoundsException(size + " bytes at " + Sys.hex(offset) + " outside region "
                    + info.index() + " of " + info.size() + " bytes");
        }
    }

    private static void checkSize(int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("access size must be 1, 2, 4 or 8, not " + size);
        }
    }

    @Override
    public long read(long offset, int size) {
        checkSize(size);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8, 8);
            read(offset, buf.asSlice(0, size));
            // The rest of the zeroed buffer makes this the zero-extended little-endian value.
            return buf.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    @Override
    public void write(long offset, int size, long value) {
        checkSize(size);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8, 8);
            buf.set(ValueLayout.JAVA_LONG, 0, value);
            write(offset, buf.asSlice(0, size));
        }
    }

    @Override
    public void read(long offset, MemorySegment into) {
        transfer(offset, into, false);
    }

    @Override
    public void write(long offset, MemorySegment from) {
        transfer(offset, from, true);
    }

    /** pread/pwrite until all bytes moved; the kernel may split accesses into smaller pieces. */
    private void transfer(long offset, MemorySegment buf, boolean write) {
        checkRange(offset, buf.byteSize());
        String op = op(write ? "write" : "read", offset, buf.byteSize());
        // The boundary passes memory by address, so heap segments go through a native copy.
        try (Arena a = Arena.ofConfined()) {
            boolean bounce = !buf.isNative();
            MemorySegment nat = bounce ? a.allocate(buf.byteSize(), 8) : buf;
            if (write && bounce) {
                nat.copyFrom(buf);
            }
            long done = 0;
            while (done < nat.byteSize()) {
                MemorySegment rest = nat.asSlice(done);
                long at = info.offset() + offset + done;
                long n = Sys.VFIO.callLong(
                        op,
                        () -> write
                                ? device.kernel().pwrite(device.fd(), rest, at)
                                : device.kernel().pread(device.fd(), rest, at));
                if (n <= 0) {
                    throw new VfioException(
                            op, new ErrnoException(Errno.EIO, write ? "pwrite" : "pread", "moved " + done + " bytes"));
                }
                done += n;
            }
            if (!write && bounce) {
                buf.copyFrom(nat);
            }
        }
    }

    @Override
    public MemorySegment mmap() {
        return mmap(new SparseArea(0, info.size()));
    }

    @Override
    public MemorySegment mmap(SparseArea area) {
        if (!info.mmapAreas().contains(area)) {
            throw new IllegalArgumentException(
                    "region " + info.index() + " may only be mmap-ed as " + info.mmapAreas() + ", not " + area);
        }
        int prot = (info.readable() ? Linux.Prot.READ : 0) | (info.writable() ? Linux.Prot.WRITE : 0);
        MemorySegment m = Sys.VFIO.call(op("mmap", area.offset(), area.size()), () -> device.kernel()
                .mmap(area.size(), prot, Linux.Map.SHARED, device.fd(), info.offset() + area.offset()));
        device.mapped(m);
        return m;
    }
}
