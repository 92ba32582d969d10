package io.jvfio.emulator;

import io.jvfio.abi.Linux;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The file mappings whose file has a {@code vm_ops->close}: each keeps a reference on its file
 * (vma->vm_file) and runs its close hook once its last page is unmapped. A partial munmap splits
 * a VMA in the kernel, with one close per piece; tracking the pages still mapped gives the same
 * moment for the last one, which is the only one iommufd cares about.
 */
final class Vmas {
    private static final class Vma {
        final long start;
        final long end;
        final BitSet mapped;
        final OpenFile file;
        final Runnable close;
        final IoMapping io;
        final int prot;

        Vma(long start, long length, OpenFile file, Runnable close, IoMapping io, int prot) {
            this.start = start;
            this.end = start + length;
            int pages = (int) (length / Linux.PAGE_SIZE);
            this.mapped = new BitSet(pages);
            mapped.set(0, pages);
            this.file = file;
            this.close = close;
            this.io = io;
            this.prot = prot;
        }
    }

    private final TreeMap<Long, Vma> vmas = new TreeMap<>();

    /** A new mapping of {@code file} at [start, start+length): takes a file reference until {@code close} ran. */
    synchronized void add(long start, long length, OpenFile file, Runnable close) {
        file.get();
        vmas.put(start, new Vma(start, length, file, close, null, 0));
    }

    /** A new I/O mapping at [start, start+length) with protection {@code prot}, served by {@code io}. */
    synchronized void addIo(long start, long length, IoMapping io, int prot) {
        vmas.put(start, new Vma(start, length, null, () -> {}, io, prot));
    }

    /**
     * fork's dup_mmap for the I/O mappings: copies those of {@code parent} for which {@code
     * present} says the child still has their range (it may have changed its memory since).
     */
    void inheritIo(Vmas parent, Present present) {
        List<Vma> io = new ArrayList<>();
        synchronized (parent) {
            for (Vma v : parent.vmas.values()) {
                if (v.io != null) {
                    Vma copy = new Vma(v.start, v.end - v.start, null, () -> {}, v.io, v.prot);
                    copy.mapped.and(v.mapped);
                    io.add(copy);
                }
            }
        }
        for (Vma v : io) {
            if (present.test(v.start, v.end)) {
                synchronized (this) {
                    vmas.putIfAbsent(v.start, v);
                }
            }
        }
    }

    /** Whether [start, end) is still mapped as the inherited I/O mapping was. */
    @FunctionalInterface
    interface Present {
        boolean test(long start, long end);
    }

    /** The I/O mapping whose mapped page holds {@code address}, null if none. */
    synchronized IoMapping.At io(long address) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(address);
        if (e == null) {
            return null;
        }
        Vma v = e.getValue();
        if (v.io == null || address >= v.end || !v.mapped.get((int) ((address - v.start) / Linux.PAGE_SIZE))) {
            return null;
        }
        return new IoMapping.At(v.io, address - v.start, v.end - address, v.prot);
    }

    /** munmap of [start, start+length) succeeded: VMAs left without pages are closed. */
    void unmapped(long start, long length) {
        List<Vma> closed = new ArrayList<>();
        synchronized (this) {
            long end = start + length;
            Map.Entry<Long, Vma> e = vmas.lowerEntry(end);
            while (e != null && e.getValue().end > start) {
                Vma v = e.getValue();
                long from = Math.max(start, v.start);
                long to = Math.min(end, v.end);
                v.mapped.clear((int) ((from - v.start) / Linux.PAGE_SIZE), (int)
                        ((to - v.start + Linux.PAGE_SIZE - 1) / Linux.PAGE_SIZE));
                if (v.mapped.isEmpty()) {
                    vmas.remove(v.start);
                    closed.add(v);
                }
                e = vmas.lowerEntry(v.start);
            }
        }
        for (Vma v : closed) {
            v.close.run();
            if (v.file != null) {
                v.file.put();
            }
        }
    }
}
