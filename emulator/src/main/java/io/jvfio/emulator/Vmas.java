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

        Vma(long start, long length, OpenFile file, Runnable close) {
            this.start = start;
            this.end = start + length;
            int pages = (int) (length / Linux.PAGE_SIZE);
            this.mapped = new BitSet(pages);
            mapped.set(0, pages);
            this.file = file;
            this.close = close;
        }
    }

    private final TreeMap<Long, Vma> vmas = new TreeMap<>();

    /** A new mapping of {@code file} at [start, start+length): takes a file reference until {@code close} ran. */
    synchronized void add(long start, long length, OpenFile file, Runnable close) {
        file.get();
        vmas.put(start, new Vma(start, length, file, close));
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
            v.file.put();
        }
    }
}
