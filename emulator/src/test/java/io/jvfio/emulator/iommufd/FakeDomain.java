package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.Map;
import java.util.TreeMap;

/** A test double for an IOMMU domain: records what is mapped and can be told to fail. */
final class FakeDomain implements IoptDomain {
    private final long pgsizeBitmap;
    private final long apertureStart;
    private final long apertureEnd;
    /** iova -> {hostAddress, length}. */
    final Map<Long, long[]> mapped = new TreeMap<>(Long::compareUnsigned);

    volatile int failMapsAfter = -1;

    FakeDomain(long pgsizeBitmap, long apertureStart, long apertureEnd) {
        this.pgsizeBitmap = pgsizeBitmap;
        this.apertureStart = apertureStart;
        this.apertureEnd = apertureEnd;
    }

    /** A 4 KiB-page domain over the whole IOVA space. */
    static FakeDomain full() {
        return new FakeDomain(~0xfffL, 0, -1L);
    }

    @Override
    public long pgsizeBitmap() {
        return pgsizeBitmap;
    }

    @Override
    public long apertureStart() {
        return apertureStart;
    }

    @Override
    public long apertureEnd() {
        return apertureEnd;
    }

    @Override
    public synchronized void map(long iova, long hostAddress, long length, int prot) {
        if (failMapsAfter == 0) {
            throw new ErrnoException(Errno.ENOMEM, null, "fake domain map failure");
        }
        if (failMapsAfter > 0) {
            failMapsAfter--;
        }
        if (mapped.putIfAbsent(iova, new long[] {hostAddress, length}) != null) {
            throw new AssertionError("IOVA mapped twice: 0x" + Long.toHexString(iova));
        }
    }

    /** Unmaps any mapped sub-range, as a page table does; every byte must have been mapped. */
    @Override
    public synchronized void unmap(long iova, long length) {
        long cur = iova;
        long end = iova + length;
        while (Long.compareUnsigned(cur, end) < 0) {
            Map.Entry<Long, long[]> e = ((TreeMap<Long, long[]>) mapped).floorEntry(cur);
            if (e == null || Long.compareUnsigned(e.getKey() + e.getValue()[1], cur) <= 0) {
                throw new AssertionError("unmap of something not mapped: 0x" + Long.toHexString(cur));
            }
            long start = e.getKey();
            long host = e.getValue()[0];
            long stop = start + e.getValue()[1];
            mapped.remove(start);
            if (start != cur) {
                mapped.put(start, new long[] {host, cur - start});
            }
            if (Long.compareUnsigned(end, stop) < 0) {
                mapped.put(end, new long[] {host + (end - start), stop - end});
            }
            cur = stop;
        }
    }

    synchronized int count() {
        return mapped.size();
    }
}
