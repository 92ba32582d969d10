package io.jvfio.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * One IOAS filled with {@code count} 4 KiB mappings: the time per IOAS_MAP for each tenth of the
 * fill (flat means the area tree scales), the retained heap per mapping, and the time per unmap.
 * Not a JMH benchmark: the state grows with every operation, so it is measured in one pass.
 */
final class Scale {
    private static final long PAGE = 4096;

    private Scale() {}

    static void run(long count, double baselineNanos, PrintStream out) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (EmulatedIommu iommu = new EmulatedIommu()) {
            int ioas = iommu.ioasAlloc();
            // Warm the paths up on a scratch IOAS first.
            int scratch = iommu.ioasAlloc();
            for (long i = 0; i < 20_000; i++) {
                iommu.mapFixed(scratch, 1L << 40, PAGE, i * 2 * PAGE);
            }
            iommu.unmap(scratch, 0, -1L);
            long heapBefore = usedAfterGc(memory);
            long step = Math.max(1, count / 10);
            out.printf("%n%-28s %14s %12s %10s%n", "scale: mappings in one IOAS", "ns/IOAS_MAP", "x baseline", "");
            Plots plot = new Plots("IOAS_MAP of 4 KiB as one IOAS grows", "mappings in the IOAS", "ns per IOAS_MAP");
            long done = 0;
            while (done < count) {
                long n = Math.min(step, count - done);
                long t0 = System.nanoTime();
                for (long i = done; i < done + n; i++) {
                    // A hole of one page between areas, so none are adjacent.
                    iommu.mapFixed(ioas, 1L << 40, PAGE, i * 2 * PAGE);
                }
                double perOp = (System.nanoTime() - t0) / (double) n;
                done += n;
                plot.add("ns per IOAS_MAP", done, perOp);
                out.printf(
                        "%-28s %14.0f %12.2f%n",
                        String.format("%,d .. %,d", done - n, done), perOp, perOp / baselineNanos);
            }
            out.println("plot: " + plot.write("scale"));
            long heapAfter = usedAfterGc(memory);
            out.printf(
                    "retained heap per mapping: %.0f bytes (%,d mappings)%n",
                    (heapAfter - heapBefore) / (double) count, count);
            long t0 = System.nanoTime();
            for (long i = 0; i < count; i++) {
                iommu.unmap(ioas, i * 2 * PAGE, PAGE);
            }
            double perUnmap = (System.nanoTime() - t0) / (double) count;
            out.printf(
                    "IOAS_UNMAP of one area among %,d: %.0f ns (%.2f x baseline)%n",
                    count, perUnmap, perUnmap / baselineNanos);
        }
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
