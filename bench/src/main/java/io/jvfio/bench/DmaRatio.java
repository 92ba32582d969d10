package io.jvfio.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The DMA/copy ratios of {@link DmaBenchmark}, measured so that a loaded machine cannot skew
 * them: short batches of the plain copy and of the DMA alternate on one thread, each pair gives a
 * ratio, and the median of those is reported. (Separate JMH runs of the two see different load.)
 * Each DMA is paired twice: with the plain contiguous copy (the target's yardstick) and with the
 * page-by-page copy to the same host pages (what is left once translation costs nothing).
 * Run: {@code java -cp ... io.jvfio.bench.DmaRatio [seconds per case] [pages...]}.
 */
public final class DmaRatio {
    private DmaRatio() {}

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        String[] kinds = args.length > 1
                ? Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"LARGE", "SMALL", "SCATTERED"};
        System.out.println("pages      size     write/copy  read/copy  write/pages  read/pages");
        Plots plot =
                new Plots("DMA through the emulated IOMMU / a plain copy", "transfer size (bytes)", "ratio").logX();
        for (String pages : kinds) {
            for (int size : new int[] {64, 4096, 65536, 2 << 20}) {
                DmaBenchmark b = new DmaBenchmark();
                b.size = size;
                b.pages = pages;
                b.setUp();
                try {
                    double write = ratio(b, Op.COPY_TO_HOST, Op.DMA_WRITE, size, seconds);
                    double read = ratio(b, Op.COPY_FROM_HOST, Op.DMA_READ, size, seconds);
                    double writePages = ratio(b, Op.COPY_PAGES_TO_HOST, Op.DMA_WRITE, size, seconds);
                    double readPages = ratio(b, Op.COPY_PAGES_FROM_HOST, Op.DMA_READ, size, seconds);
                    System.out.printf(
                            Locale.ROOT,
                            "%-10s %-8d %10.2f %10.2f %12.2f %11.2f%n",
                            pages,
                            size,
                            write,
                            read,
                            writePages,
                            readPages);
                    plot.add(pages + " write", size, write);
                    plot.add(pages + " read", size, read);
                } finally {
                    b.tearDown();
                }
            }
        }
        System.out.println("plot: " + plot.write("dma-ratio"));
    }

    /** What a batch repeats. */
    private enum Op {
        COPY_TO_HOST,
        COPY_FROM_HOST,
        COPY_PAGES_TO_HOST,
        COPY_PAGES_FROM_HOST,
        DMA_WRITE,
        DMA_READ
    }

    /** Median over paired batches of time(plain) / time(dma): above 1 means DMA is faster. */
    private static double ratio(DmaBenchmark b, Op plain, Op dma, int size, double seconds) {
        int batch = Math.max(1, (1 << 22) / Math.max(size, 256));
        long until = System.nanoTime() + (long) (seconds * 0.3e9);
        while (System.nanoTime() < until) { // warm up both paths
            time(b, plain, batch);
            time(b, dma, batch);
        }
        double[] ratios = new double[4096];
        int n = 0;
        until = System.nanoTime() + (long) (seconds * 0.7e9);
        while (n < ratios.length && System.nanoTime() < until) {
            boolean plainFirst = (n & 1) == 0;
            long t1 = time(b, plainFirst ? plain : dma, batch);
            long t2 = time(b, plainFirst ? dma : plain, batch);
            ratios[n++] = plainFirst ? (double) t1 / t2 : (double) t2 / t1;
        }
        double[] done = Arrays.copyOf(ratios, n);
        Arrays.sort(done);
        return done[n / 2];
    }

    /**
     * Runs {@code op} {@code times} times. One loop per operation, each with its own call site, so
     * the JIT inlines every operation into its loop whatever was measured before (a shared loop
     * calling a Runnable inlines the first pair measured and calls the rest through a megamorphic
     * site, which skewed the first case and added a call to both sides of the others).
     */
    private static long time(DmaBenchmark b, Op op, int times) {
        long t0 = System.nanoTime();
        switch (op) {
            case COPY_TO_HOST -> {
                for (int i = 0; i < times; i++) {
                    b.copyToHost();
                }
            }
            case COPY_FROM_HOST -> {
                for (int i = 0; i < times; i++) {
                    b.copyFromHost();
                }
            }
            case COPY_PAGES_TO_HOST -> {
                for (int i = 0; i < times; i++) {
                    b.copyPagesToHost();
                }
            }
            case COPY_PAGES_FROM_HOST -> {
                for (int i = 0; i < times; i++) {
                    b.copyPagesFromHost();
                }
            }
            case DMA_WRITE -> {
                for (int i = 0; i < times; i++) {
                    b.dmaWrite();
                }
            }
            case DMA_READ -> {
                for (int i = 0; i < times; i++) {
                    b.dmaRead();
                }
            }
        }
        return System.nanoTime() - t0;
    }
}
