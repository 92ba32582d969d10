package io.jvfio.conformance.fuzz;

import io.jvfio.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The differential fuzzer: replays seeded programs on one backend, one normalized line per
 * operation, and compares two such logs line by line. A log is, per seed, a header line {@code
 * "seed N MODE OPS"}, one line per operation, and an end line saying whether every page was
 * unpinned once every fd was closed.
 */
public final class Fuzz {
    private Fuzz() {}

    /** Replays the program of each seed on a kernel from {@code kernels} (one per seed), writing the log to {@code out}. */
    public static void run(
            Supplier<Kernel> kernels, FuzzProgram.Mode mode, List<Long> seeds, int ops, Consumer<String> out) {
        for (long seed : seeds) {
            FuzzProgram program = FuzzProgram.generate(mode, seed, ops);
            out.accept("seed " + seed + " " + mode.name().toLowerCase(java.util.Locale.ROOT) + " " + ops);
            Kernel k = kernels.get();
            switch (mode) {
                case IOMMUFD -> new IommufdReplay(k, out).run(program);
                case VFIO -> new VfioReplay(k, out).run(program);
            }
        }
    }

    /** Where two logs part: the first differing line of each seed, and how many lines differ. */
    public record Divergence(String seed, int line, String expected, String actual, int differing) {}

    /**
     * Compares {@code actual} with {@code expected} (the reference, from the real kernel) seed by
     * seed; an empty list when they agree line for line.
     */
    public static List<Divergence> compare(List<String> expected, List<String> actual) {
        List<Divergence> out = new ArrayList<>();
        List<List<String>> e = bySeed(expected);
        List<List<String>> a = bySeed(actual);
        for (int s = 0; s < Math.max(e.size(), a.size()); s++) {
            List<String> es = s < e.size() ? e.get(s) : List.of();
            List<String> as = s < a.size() ? a.get(s) : List.of();
            String seed = !es.isEmpty() ? es.getFirst() : as.getFirst();
            int first = -1;
            int differing = 0;
            for (int i = 0; i < Math.max(es.size(), as.size()); i++) {
                String el = i < es.size() ? es.get(i) : "<missing>";
                String al = i < as.size() ? as.get(i) : "<missing>";
                if (!el.equals(al)) {
                    differing++;
                    if (first < 0) {
                        first = i;
                    }
                }
            }
            if (first >= 0) {
                out.add(new Divergence(
                        seed,
                        first,
                        first < es.size() ? es.get(first) : "<missing>",
                        first < as.size() ? as.get(first) : "<missing>",
                        differing));
            }
        }
        return out;
    }

    private static List<List<String>> bySeed(List<String> log) {
        List<List<String>> seeds = new ArrayList<>();
        for (String line : log) {
            if (line.startsWith("seed ") || seeds.isEmpty()) {
                seeds.add(new ArrayList<>());
            }
            seeds.getLast().add(line);
        }
        return seeds;
    }
}
