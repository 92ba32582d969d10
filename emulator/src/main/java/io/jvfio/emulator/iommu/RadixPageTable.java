package io.jvfio.emulator.iommu;

import static io.jvfio.emulator.iommu.HostMemory.readPte;
import static io.jvfio.emulator.iommu.HostMemory.writePte;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A radix I/O page table of some {@link PteFormat} in native memory: the algorithms of the
 * kernel's generic page table (drivers/iommu/generic_pt), written for any format. Not thread-safe
 * for writers: the domain serialises map/unmap/dirty; {@link #lookup} may run concurrently with
 * {@link #map} (which only fills empty entries) but not with anything that clears entries.
 */
final class RadixPageTable implements AutoCloseable {
    private static final int ENTRIES = 1 << PteFormat.ENTRIES_LG2;
    private static final MemorySegment ZERO_TABLE = Arena.global().allocate(TablePages.PAGE_SIZE);

    private final PteFormat fmt;
    private final TablePages pages = new TablePages();
    private final long root;

    RadixPageTable(PteFormat fmt) {
        this.fmt = fmt;
        this.root = pages.allocate();
    }

    /** Table pages in use, the root included. */
    int tablePages() {
        return pages.inUse();
    }

    /**
     * The union of leaf sizes of all levels, less those as large as the whole IOVA space (a
     * whole-table page is not allowed).
     */
    static long supportedSizes(PteFormat fmt) {
        long sizes = 0;
        for (int level = 0; level <= fmt.topLevel(); level++) {
            sizes |= fmt.possibleSizes(level);
        }
        return sizes & ((1L << (fmt.vaBits() - 1)) - 1);
    }

    /**
     * Maps [iova, iova+size) to [pa, pa+size) with the largest pages {@code pageSizes} and the
     * alignment of iova and pa allow. All or nothing: on failure nothing of it stays mapped. EINVAL
     * without permissions, ERANGE past the output or input address width, ENXIO when no allowed
     * page size fits (unaligned), EADDRINUSE over an existing mapping.
     */
    void map(long iova, long pa, long size, int prot, long pageSizes) {
        if ((prot & (IommuDomain.READ | IommuDomain.WRITE)) == 0 || size <= 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((pa >>> fmt.oaBits()) != 0) {
            throw new ErrnoException(Errno.ERANGE);
        }
        if (bestPageShift(pageSizes, iova, pa, size) < 0) {
            throw new ErrnoException(Errno.ENXIO);
        }
        if (!inRange(iova, size)) {
            throw new ErrnoException(Errno.ERANGE);
        }
        long done = 0;
        try {
            while (done < size) {
                long va = iova + done;
                long oa = pa + done;
                int shift = bestPageShift(pageSizes, va, oa, size - done);
                int level = levelOf(shift);
                if (shift < 0 || level < 0) {
                    throw new ErrnoException(Errno.ENXIO);
                }
                int step = 1 << (shift - fmt.itemShift(level));
                long count = leafCount(pageSizes, va, oa, size - done, shift);
                while (count > 0) {
                    long table = tableFor(va, level);
                    int first = index(va, level);
                    long fit = Math.min(count, (ENTRIES - first) / step);
                    long base = table + ((long) first << 3);
                    for (long i = 0; i < fit * step; i++) {
                        if (fmt.isPresent(readPte(base + (i << 3)))) {
                            throw new ErrnoException(Errno.EADDRINUSE);
                        }
                    }
                    for (long i = 0; i < fit; i++) {
                        long pte = fmt.leafPte(oa + (i << shift), shift, level, prot);
                        for (long r = 0; r < step; r++) {
                            writePte(base + ((i * step + r) << 3), pte);
                        }
                    }
                    long bytes = fit << shift;
                    va += bytes;
                    oa += bytes;
                    count -= fit;
                    done += bytes;
                }
            }
        } catch (ErrnoException e) {
            unmap(iova, done);
            throw e;
        }
    }

    /**
     * Unmaps from iova on, like the generic page table: stops at the first IOVA that is not mapped
     * or that falls inside a larger leaf; a leaf that starts inside the range is removed whole even
     * if it ends past it. Returns the bytes unmapped (iova + result is where it stopped). Tables left
     * empty are freed.
     */
    long unmap(long iova, long size) {
        if (size <= 0 || !inRange(iova, size)) {
            return 0;
        }
        return unmapIn(root, fmt.topLevel(), iova, iova + size - 1);
    }

    private long unmapIn(long table, int level, long va, long last) {
        long unmapped = 0;
        while (va <= last) {
            long slot = slot(table, va, level);
            long pte = readPte(slot);
            if (!fmt.isPresent(pte)) {
                break;
            }
            if (fmt.isLeaf(pte, level)) {
                int shift = fmt.leafShift(pte, level);
                if ((va & ((1L << shift) - 1)) != 0) {
                    break;
                }
                int step = 1 << (shift - fmt.itemShift(level));
                for (int r = 0; r < step; r++) {
                    writePte(slot + ((long) r << 3), 0);
                }
                unmapped += 1L << shift;
                va += 1L << shift;
            } else {
                long child = fmt.tableAddress(pte);
                long itemLast = va | ((1L << fmt.itemShift(level)) - 1);
                long subLast = Math.min(last, itemLast);
                long done = unmapIn(child, level - 1, va, subLast);
                unmapped += done;
                if (isEmpty(child)) {
                    writePte(slot, 0);
                    pages.free(child);
                }
                if (va + done - 1 < subLast) {
                    break;
                }
                va = itemLast + 1;
            }
        }
        return unmapped;
    }

    /** The leaf covering iova as a translation of domain {@code domainId}, or null. */
    IotlbEntry lookup(int domainId, long iova) {
        return find(domainId, iova, false);
    }

    /**
     * The leaf covering iova, extended over the following leaves of the same table as long as each
     * continues the previous one physically with the same permissions, as TLBs that coalesce
     * contiguous translations hold them. A buffer mapped with small pages over contiguous memory
     * then costs one IOTLB entry per table rather than one per page.
     */
    IotlbEntry lookupSpan(int domainId, long iova) {
        return find(domainId, iova, true);
    }

    private IotlbEntry find(int domainId, long iova, boolean coalesce) {
        if (iova < 0 || (iova >>> fmt.vaBits()) != 0) {
            return null;
        }
        long table = root;
        for (int level = fmt.topLevel(); ; level--) {
            long pte = readPte(slot(table, iova, level));
            if (!fmt.isPresent(pte)) {
                return null;
            }
            if (fmt.isLeaf(pte, level)) {
                long leafSize = 1L << fmt.leafShift(pte, level);
                long base = iova & -leafSize;
                long first = slot(table, base, level);
                long address = fmt.leafAddress(pte, level);
                int prot = fmt.prot(pte);
                long size = leafSize;
                int itemShift = fmt.itemShift(level);
                long tableEnd = table + TablePages.PAGE_SIZE;
                for (long next = first + ((size >>> itemShift) << 3); coalesce && next < tableEnd; ) {
                    long p = readPte(next);
                    if (!fmt.isPresent(p)
                            || !fmt.isLeaf(p, level)
                            || fmt.prot(p) != prot
                            || fmt.leafAddress(p, level) != address + size) {
                        break;
                    }
                    long n = 1L << fmt.leafShift(p, level);
                    size += n;
                    next += (n >>> itemShift) << 3;
                }
                return new IotlbEntry(domainId, level, base, size, leafSize, address, prot, first);
            }
            table = fmt.tableAddress(pte);
        }
    }

    /**
     * Reports every dirty leaf overlapping [iova, iova+size) (clipped to it) and, unless {@code
     * noClear}, makes it clean. A leaf of a contiguous run is dirty when any of its copies is.
     */
    void readAndClearDirty(long iova, long size, boolean noClear, DirtyBitmap out) {
        if (size <= 0 || !inRange(iova, size)) {
            throw new ErrnoException(Errno.ERANGE);
        }
        dirtyIn(root, fmt.topLevel(), iova, iova + size - 1, noClear, out);
    }

    private void dirtyIn(long table, int level, long va, long last, boolean noClear, DirtyBitmap out) {
        while (va <= last) {
            long pte = readPte(slot(table, va, level));
            long itemLast = va | ((1L << fmt.itemShift(level)) - 1);
            if (!fmt.isPresent(pte)) {
                va = itemLast + 1;
            } else if (fmt.isLeaf(pte, level)) {
                int shift = fmt.leafShift(pte, level);
                long base = va & -(1L << shift);
                long first = slot(table, base, level);
                int step = 1 << (shift - fmt.itemShift(level));
                long end = Math.min(base + (1L << shift) - 1, last);
                if (anyDirty(first, step)) {
                    long reported = dirtyLength(va, base, shift, level, last, end);
                    if (reported > 0) {
                        out.set(va, reported);
                    }
                    if (!noClear) {
                        for (int r = 0; r < step; r++) {
                            HostMemory.clearPteBits(first + ((long) r << 3), fmt.dirtyBit());
                        }
                    }
                }
                va = base + (1L << shift);
            } else {
                dirtyIn(fmt.tableAddress(pte), level - 1, va, Math.min(last, itemLast), noClear, out);
                va = itemLast + 1;
            }
        }
    }

    /**
     * How much of a dirty leaf starting its walk at {@code va} is reported. A single entry reports
     * itself (clipped to the walk). A contiguous run (AMDv1 replicated entries, the selftest mock)
     * reports as generic_pt's record_dirty does in 7.2: from {@code va} up to, not including, the
     * run's last item, and no further than the walk's end in this table — for a 4 KiB run of two
     * 2 KiB items that is 2 KiB. Observed on the real kernel (GET_DIRTY_BITMAP of the mock domain at
     * 2 KiB granularity); copied for fidelity.
     */
    private long dirtyLength(long va, long base, int shift, int level, long last, long end) {
        int itemShift = fmt.itemShift(level);
        if (shift == itemShift) {
            return end - va + 1;
        }
        long runLastItem = base + (1L << shift) - (1L << itemShift);
        long walkEnd = (last & -(1L << itemShift)) + (1L << itemShift);
        return Math.max(0, Math.min(runLastItem, walkEnd) - va);
    }

    /** Sets the dirty bit of the leaf entry covering iova; false when nothing is mapped there. */
    boolean setDirty(long iova) {
        if (iova < 0 || (iova >>> fmt.vaBits()) != 0) {
            return false;
        }
        long table = root;
        for (int level = fmt.topLevel(); ; level--) {
            long slot = slot(table, iova, level);
            long pte = readPte(slot);
            if (!fmt.isPresent(pte)) {
                return false;
            }
            if (fmt.isLeaf(pte, level)) {
                HostMemory.setPteBits(slot, fmt.dirtyBit());
                return true;
            }
            table = fmt.tableAddress(pte);
        }
    }

    @Override
    public void close() {
        pages.close();
    }

    private boolean anyDirty(long first, int step) {
        for (int r = 0; r < step; r++) {
            if ((readPte(first + ((long) r << 3)) & fmt.dirtyBit()) != 0) {
                return true;
            }
        }
        return false;
    }

    /** The table at {@code level} that holds iova's entry, creating missing tables above it. */
    private long tableFor(long iova, int level) {
        long table = root;
        for (int l = fmt.topLevel(); l > level; l--) {
            long slot = slot(table, iova, l);
            long pte = readPte(slot);
            if (!fmt.isPresent(pte)) {
                long child = pages.allocate();
                writePte(slot, fmt.tablePte(child, l));
                table = child;
            } else if (fmt.isLeaf(pte, l)) {
                throw new ErrnoException(Errno.EADDRINUSE);
            } else {
                table = fmt.tableAddress(pte);
            }
        }
        return table;
    }

    /** One bulk compare against a zero page: a PTE at a time was a tenth of a 4 KiB map+unmap. */
    private static boolean isEmpty(long table) {
        return HostMemory.ALL.asSlice(table, TablePages.PAGE_SIZE).mismatch(ZERO_TABLE) == -1;
    }

    private boolean inRange(long iova, long size) {
        long last = iova + size - 1;
        return iova >= 0 && last >= iova && (last >>> fmt.vaBits()) == 0;
    }

    private int index(long iova, int level) {
        return (int) ((iova >>> fmt.itemShift(level)) & (ENTRIES - 1));
    }

    private long slot(long table, long iova, int level) {
        return table + ((long) index(iova, level) << 3);
    }

    /** The deepest level whose entries can be leaves of 2^shift bytes, or -1. */
    private int levelOf(int shift) {
        for (int level = 0; level <= fmt.topLevel(); level++) {
            if (shift >= 0 && (fmt.possibleSizes(level) & (1L << shift)) != 0) {
                return level;
            }
        }
        return -1;
    }

    /**
     * log2 of the largest allowed page that va and pa are both aligned to and that is not longer
     * than len, or -1.
     */
    static int bestPageShift(long pageSizes, long va, long pa, long len) {
        long sizes = pageSizes & ((Long.highestOneBit(len) << 1) - 1);
        long align = va | pa;
        if (align != 0) {
            sizes &= (Long.lowestOneBit(align) << 1) - 1;
        }
        return sizes == 0 ? -1 : 63 - Long.numberOfLeadingZeros(sizes);
    }

    /**
     * How many pages of 2^shift to map before a larger allowed page could start (when va and pa
     * are equally aligned for it) or len runs out.
     */
    private static long leafCount(long pageSizes, long va, long pa, long len, int shift) {
        long larger = pageSizes & -(2L << shift);
        if (larger != 0) {
            long mask = Long.lowestOneBit(larger) - 1;
            if (((va ^ pa) & mask) == 0) {
                len = Math.min(len, (va | mask) - va + 1);
            }
        }
        return len >>> shift;
    }
}
