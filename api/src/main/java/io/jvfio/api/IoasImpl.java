package io.jvfio.api;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuIoasAllowIovas;
import io.jvfio.abi.iommufd.IommuIoasCopy;
import io.jvfio.abi.iommufd.IommuIoasIovaRanges;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasUnmap;
import io.jvfio.abi.iommufd.IommuIovaRange;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommufdIoctl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

final class IoasImpl extends IommufdObject implements Ioas {
    /** IOMMU_IOAS_UNMAP's "everything" encoding: iova 0, length U64_MAX. */
    private static final long ALL = -1L;

    IoasImpl(IommufdImpl owner, int id) {
        super(owner, id);
    }

    private void ioctl(String op, long request, MemorySegment arg) {
        checkOpen();
        owner().ioctl(op, request, arg);
    }

    @Override
    public Mapping map(MemorySegment memory, long iova, DmaAccess access) {
        return map(memory, iova, true, access);
    }

    @Override
    public Mapping map(MemorySegment memory, DmaAccess access) {
        return map(memory, 0, false, access);
    }

    private Mapping map(MemorySegment memory, long iova, boolean fixed, DmaAccess access) {
        if (!memory.isNative()) {
            throw new IllegalArgumentException("only native memory can be mapped for DMA");
        }
        String op = "Ioas[" + id() + "].map(" + memory.byteSize() + " bytes" + (fixed ? " at " + Sys.hex(iova) : "")
                + ", " + access + ")";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuIoasMap.DEF.allocate(a);
            IommuIoasMap.FLAGS.set(s, access.flags() | (fixed ? IommuIoasMap.FLAG_FIXED_IOVA : 0));
            IommuIoasMap.IOAS_ID.set(s, id());
            IommuIoasMap.USER_VA.set(s, memory.address());
            IommuIoasMap.LENGTH.set(s, memory.byteSize());
            IommuIoasMap.IOVA.set(s, iova);
            ioctl(op, IommufdIoctl.IOMMU_IOAS_MAP, s);
            return new Mapping(id(), IommuIoasMap.IOVA.get(s), memory.byteSize(), memory.address(), access);
        }
    }

    @Override
    public long unmap(long iova, long length) {
        return unmap("Ioas[" + id() + "].unmap(" + Sys.hex(iova) + ", " + length + " bytes)", iova, length);
    }

    @Override
    public long unmap(Mapping mapping) {
        if (mapping.ioasId() != id()) {
            throw new IllegalArgumentException(mapping + " is not in IOAS " + id());
        }
        return unmap(mapping.iova(), mapping.length());
    }

    @Override
    public long unmapAll() {
        return unmap("Ioas[" + id() + "].unmapAll", 0, ALL);
    }

    private long unmap(String op, long iova, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuIoasUnmap.DEF.allocate(a);
            IommuIoasUnmap.IOAS_ID.set(s, id());
            IommuIoasUnmap.IOVA.set(s, iova);
            IommuIoasUnmap.LENGTH.set(s, length);
            ioctl(op, IommufdIoctl.IOMMU_IOAS_UNMAP, s);
            return IommuIoasUnmap.LENGTH.get(s);
        }
    }

    @Override
    public Mapping copy(Ioas source, long srcIova, long length, long dstIova, DmaAccess access) {
        return copy(source, srcIova, length, dstIova, true, access);
    }

    @Override
    public Mapping copy(Ioas source, long srcIova, long length, DmaAccess access) {
        return copy(source, srcIova, length, 0, false, access);
    }

    private Mapping copy(Ioas source, long srcIova, long length, long dstIova, boolean fixed, DmaAccess access) {
        int srcId = owner().own(source);
        String op = "Ioas[" + id() + "].copy(from IOAS " + srcId + " at " + Sys.hex(srcIova) + ", " + length + " bytes"
                + (fixed ? " to " + Sys.hex(dstIova) : "") + ")";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuIoasCopy.DEF.allocate(a);
            IommuIoasCopy.FLAGS.set(s, access.flags() | (fixed ? IommuIoasMap.FLAG_FIXED_IOVA : 0));
            IommuIoasCopy.DST_IOAS_ID.set(s, id());
            IommuIoasCopy.SRC_IOAS_ID.set(s, srcId);
            IommuIoasCopy.LENGTH.set(s, length);
            IommuIoasCopy.DST_IOVA.set(s, dstIova);
            IommuIoasCopy.SRC_IOVA.set(s, srcIova);
            ioctl(op, IommufdIoctl.IOMMU_IOAS_COPY, s);
            return new Mapping(id(), IommuIoasCopy.DST_IOVA.get(s), length, 0, access);
        }
    }

    @Override
    public IovaRanges iovaRanges() {
        String op = "Ioas[" + id() + "].iovaRanges";
        int capacity = 16;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = IommuIoasIovaRanges.DEF.allocate(a);
            IommuIoasIovaRanges.IOAS_ID.set(s, id());
            // The kernel reports the total on EMSGSIZE, so a second call always fits unless the
            // ranges changed in between.
            while (true) {
                MemorySegment array = a.allocate(IommuIovaRange.DEF.size() * capacity, 8);
                IommuIoasIovaRanges.NUM_IOVAS.set(s, capacity);
                IommuIoasIovaRanges.ALLOWED_IOVAS.set(s, array.address());
                try {
                    ioctl(op, IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, s);
                } catch (IommufdException e) {
                    if (e.errno() != Errno.EMSGSIZE) {
                        throw e;
                    }
                    capacity = IommuIoasIovaRanges.NUM_IOVAS.get(s);
                    continue;
                }
                int n = IommuIoasIovaRanges.NUM_IOVAS.get(s);
                List<IovaRange> ranges = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    MemorySegment r = array.asSlice(i * IommuIovaRange.DEF.size(), IommuIovaRange.DEF.size());
                    ranges.add(new IovaRange(IommuIovaRange.START.get(r), IommuIovaRange.LAST.get(r)));
                }
                return new IovaRanges(ranges, IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.get(s));
            }
        }
    }

    @Override
    public void allowIovas(List<IovaRange> ranges) {
        try (Arena a = Arena.ofConfined()) {
            long each = IommuIovaRange.DEF.size();
            MemorySegment array = a.allocate(Math.max(1, each * ranges.size()), 8);
            for (int i = 0; i < ranges.size(); i++) {
                MemorySegment r = array.asSlice(i * each, each);
                IommuIovaRange.START.set(r, ranges.get(i).start());
                IommuIovaRange.LAST.set(r, ranges.get(i).last());
            }
            MemorySegment s = IommuIoasAllowIovas.DEF.allocate(a);
            IommuIoasAllowIovas.IOAS_ID.set(s, id());
            IommuIoasAllowIovas.NUM_IOVAS.set(s, ranges.size());
            IommuIoasAllowIovas.ALLOWED_IOVAS.set(s, array.address());
            ioctl("Ioas[" + id() + "].allowIovas(" + ranges + ")", IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, s);
        }
    }

    @Override
    public boolean hugePages() {
        checkOpen();
        return owner().option("Ioas[" + id() + "].hugePages", IommuOption.HUGE_PAGES, IommuOption.OP_GET, id(), 0) != 0;
    }

    @Override
    public void setHugePages(boolean allowed) {
        checkOpen();
        owner().option(
                        "Ioas[" + id() + "].setHugePages(" + allowed + ")",
                        IommuOption.HUGE_PAGES,
                        IommuOption.OP_SET,
                        id(),
                        allowed ? 1 : 0);
    }
}
