package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.IoPagetable.HPAGE_SIZE;
import static io.jvfio.emulator.iommufd.IoPagetable.PAGE_SIZE;
import static io.jvfio.emulator.iommufd.IoPagetable.ULONG_MAX;
import static io.jvfio.emulator.iommufd.IoPagetable.ule;
import static io.jvfio.emulator.iommufd.IoPagetable.ult;
import static io.jvfio.emulator.iommufd.IoPagetable.umax;
import static io.jvfio.emulator.iommufd.IoPagetable.umin;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * An IOAS's reserved and allowed IOVA ranges and the allocation of automatic IOVAs among them and
 * the areas (io_pagetable.c's reserved_itree, allowed_itree and iopt_alloc_iova). Guarded by the
 * owning {@link IoPagetable}'s IOVA lock: every method expects the caller to hold it.
 */
final class IovaAllocator {
    private TreeMap<Long, Long> allowed = new TreeMap<>(Long::compareUnsigned);
    private final List<Reserved> reserved = new ArrayList<>();

    /** A reserved IOVA range and who reserved it (a domain, a device, the selftest). */
    private record Reserved(long start, long last, Object owner) {}

    /**
     * iopt_set_allow_iova's swap: EADDRINUSE, keeping the old list, if a new range intersects a
     * reservation.
     */
    void setAllowed(TreeMap<Long, Long> ranges) {
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            if (reservedIntersects(e.getKey(), e.getValue())) {
                throw new ErrnoException(Errno.EADDRINUSE);
            }
        }
        allowed = ranges;
    }

    void addReserved(long start, long last, Object owner) {
        reserved.add(new Reserved(start, last, owner));
    }

    /** Drops every reservation of {@code owner}. */
    void removeReserved(Object owner) {
        reserved.removeIf(r -> r.owner == owner);
    }

    boolean reservedIntersects(long start, long last) {
        for (Reserved r : reserved) {
            if (ule(r.start, last) && ule(start, r.last)) {
                return true;
            }
        }
        return false;
    }

    boolean allowedIntersects(long start, long last) {
        Map.Entry<Long, Long> e = allowed.floorEntry(start);
        if (e != null && ule(start, e.getValue())) {
            return true;
        }
        e = allowed.higherEntry(start);
        return e != null && ule(e.getKey(), last);
    }

    /**
     * The holes of the reserved set in [0, ULONG_MAX], ascending, as (start, last) pairs
     * (IOVA_RANGES and the VFIO IOVA_RANGE capability); caller holds the IOVA lock.
     */
    void forEachUsableRange(BiConsumer<Long, Long> sink) {
        List<long[]> used = reservedUnion();
        long cursor = 0;
        for (long[] u : used) {
            if (ult(cursor, u[0])) {
                sink.accept(cursor, u[0] - 1);
            }
            if (u[1] == ULONG_MAX) {
                return;
            }
            cursor = umax(cursor, u[1] + 1);
        }
        sink.accept(cursor, ULONG_MAX);
    }

    /** The reserved ranges merged into disjoint, sorted spans. */
    private List<long[]> reservedUnion() {
        List<Reserved> sorted = new ArrayList<>(reserved);
        sorted.sort((a, b) -> Long.compareUnsigned(a.start, b.start));
        List<long[]> out = new ArrayList<>();
        for (Reserved r : sorted) {
            long[] tail = out.isEmpty() ? null : out.getLast();
            if (tail != null && (tail[1] == ULONG_MAX || ule(r.start, tail[1] + 1))) {
                tail[1] = umax(tail[1], r.last);
            } else {
                out.add(new long[] {r.start, r.last});
            }
        }
        return out;
    }

    /**
     * iopt_alloc_iova: the lowest free, unreserved (and allowed, if any are set) IOVA in [PAGE_SIZE,
     * ULONG_MAX - PAGE_SIZE] for {@code length} bytes, aligned to what the source address and the
     * length suggest and keeping the source's sub-page offset.
     */
    long alloc(long addr, long length, long iovaAlignment, IoPagetable areas) {
        long pageOffset = addr % PAGE_SIZE;
        // ULONG_MAX / 2 keeps roundup_pow_of_two from overflowing.
        if (length == 0 || ule(Long.MAX_VALUE, length)) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        long align = roundUpPowerOfTwo(length);
        if (addr != 0) {
            align = umin(align, Long.lowestOneBit(addr));
        }
        if (ule(HPAGE_SIZE, align)) {
            align = HPAGE_SIZE;
        }
        if (ult(align, iovaAlignment)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long lo = PAGE_SIZE;
        long hi = ULONG_MAX - PAGE_SIZE;
        List<long[]> windows = new ArrayList<>();
        if (allowed.isEmpty()) {
            windows.add(new long[] {lo, hi});
        } else {
            // Touching allowed ranges form one span, as the interval-tree span walk sees them.
            for (Map.Entry<Long, Long> e : allowed.entrySet()) {
                long s = umax(e.getKey(), lo);
                long l = umin(e.getValue(), hi);
                long[] tail = windows.isEmpty() ? null : windows.getLast();
                if (tail != null && tail[1] + 1 == s) {
                    tail[1] = l;
                } else if (ule(s, l)) {
                    windows.add(new long[] {s, l});
                }
            }
        }
        for (long[] w : windows) {
            long start = fitStart(w[0], w[1], length, align, pageOffset);
            if (start == -1) {
                continue;
            }
            long found = findHole(areas, start, w[1], length, align, pageOffset);
            if (found != -1) {
                return found;
            }
        }
        throw new ErrnoException(Errno.ENOSPC);
    }

    /** __alloc_iova_check_range: the aligned start of [start, last] if {@code length} fits, else -1. */
    private static long fitStart(long start, long last, long length, long align, long pageOffset) {
        long aligned = start + (align - 1);
        if (ult(aligned, start)) {
            return -1;
        }
        aligned &= ~(align - 1);
        aligned |= pageOffset;
        if (ule(last, aligned) || ult(last - aligned, length - 1)) {
            return -1;
        }
        return aligned;
    }

    /** Walks the holes between reserved ranges and areas inside [from, to] for the first that fits. */
    private long findHole(IoPagetable areas, long from, long to, long length, long align, long pageOffset) {
        List<long[]> res = reservedUnion();
        int ri = 0;
        long cursor = from;
        while (true) {
            while (ri < res.size() && ult(res.get(ri)[1], cursor)) {
                ri++;
            }
            long[] r = ri < res.size() && ule(res.get(ri)[0], to) ? res.get(ri) : null;
            Area a = areas.areaFirst(cursor, to);
            if (r == null && a == null) {
                return fitStart(cursor, to, length, align, pageOffset);
            }
            boolean reservedFirst = a == null || (r != null && ule(r[0], a.iova));
            long usedStart = reservedFirst ? r[0] : a.iova;
            long usedLast = reservedFirst ? r[1] : a.last;
            if (ult(cursor, usedStart)) {
                long s = fitStart(cursor, usedStart - 1, length, align, pageOffset);
                if (s != -1) {
                    return s;
                }
            }
            if (ule(to, usedLast)) {
                return -1;
            }
            cursor = umax(cursor, usedLast + 1);
        }
    }

    private static long roundUpPowerOfTwo(long n) {
        long h = Long.highestOneBit(n);
        return h == n ? n : h << 1;
    }
}
