package io.jvfio.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@link ConcurrencyBenchmarks} at 1 and 2 threads in one run: each benchmark's 2-thread
 * throughput over its 1-thread throughput (the two measured back to back, so under about the same
 * load on a shared machine; the host's load average before and after is printed beside them),
 * beside its target; the IOAS_COPY race against
 * its own operations done in turn on one thread, with the copies that failed. Writes {@code
 * threads.png}: throughput against threads, relative to one thread, with the ideal line.
 */
final class ThreadScaling {
    private ThreadScaling() {}

    /** Benchmarks run at 1 and 2 threads, each with its target for 2 threads / 1. */
    private record Case(String benchmark, String what, double target) {}

    private static final List<Case> CASES = List.of(
            new Case("PerThreadIoas.mapUnmap", "map+unmap 4 KiB, an IOAS per thread", 1.8),
            new Case("SharedIoas.mapUnmap", "map+unmap 4 KiB, one IOAS, own IOVAs", 1.2),
            new Case("Dma.dmaWrite", "4 KiB DMA write, two devices, one IOAS", 1.2));

    static void run(boolean quick) throws RunnerException {
        String prefix = ConcurrencyBenchmarks.class.getName() + ".";
        Plots plot = new Plots("Throughput against threads (one emulated iommufd)", "threads", "x one thread");
        plot.add("ideal", 1, 1).add("ideal", 2, 2);
        List<String> rows = new ArrayList<>();
        for (Case c : CASES) {
            for (String domain : c.benchmark.startsWith("Dma") ? new String[] {null} : new String[] {"false", "true"}) {
                // 1 then 2 threads back to back, so the pair sees about the same load.
                double load = loadAverage();
                double[] scores = new double[3];
                for (int threads = 1; threads <= 2; threads++) {
                    ChainedOptionsBuilder options =
                            options(quick).include(quote(prefix + c.benchmark)).threads(threads);
                    if (domain != null) {
                        options.param("domain", domain);
                    }
                    scores[threads] = only(new Runner(options.build()).run())
                            .getPrimaryResult()
                            .getScore();
                }
                double ratio = scores[2] / scores[1];
                String params = domain == null ? "" : "domain=" + domain;
                rows.add(String.format(
                        Locale.ROOT,
                        "%-42s %-13s %11.3f %11.3f %6.2f %8s %9s",
                        c.what,
                        params,
                        scores[1],
                        scores[2],
                        ratio,
                        (ratio >= c.target ? ">= " : "MISS ") + c.target,
                        String.format(Locale.ROOT, "%.1f-%.1f", load, loadAverage())));
                String line =
                        c.benchmark.substring(0, c.benchmark.indexOf('.')) + (params.isEmpty() ? "" : " " + params);
                plot.add(line, 1, 1).add(line, 2, ratio);
            }
        }
        double load = loadAverage();
        Collection<RunResult> race = new Runner(options(quick)
                        .include(quote(prefix + "CopyRace.") + "(race|sequential)$")
                        .build())
                .run();
        System.out.printf(
                "%n%-42s %-13s %11s %11s %6s %8s %9s%n",
                "benchmark (1 and 2 threads)", "params", "1 thr op/us", "2 thr op/us", "2 / 1", "target", "load");
        rows.forEach(System.out::println);
        printRace(race, String.format(Locale.ROOT, "%.1f-%.1f", load, loadAverage()), plot);
        System.out.println("plot: " + plot.write("threads"));
    }

    private static RunResult only(Collection<RunResult> results) {
        if (results.size() != 1) {
            throw new IllegalStateException("expected one result, got " + results.size());
        }
        return results.iterator().next();
    }

    /** The host's 1-minute load average (/proc/loadavg), NaN where there is none. */
    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The race's two threads together against the same two operations in turn on one. */
    private static void printRace(Collection<RunResult> race, String load, Plots plot) {
        for (RunResult group : race) {
            if (!group.getParams().getBenchmark().endsWith(".race")) {
                continue;
            }
            String params = params(group);
            RunResult sequential = race.stream()
                    .filter(r -> r.getParams().getBenchmark().endsWith(".sequential")
                            && params(r).equals(params))
                    .findFirst()
                    .orElseThrow();
            double s1 = sequential.getPrimaryResult().getScore();
            double s2 = group.getPrimaryResult().getScore();
            plot.add("CopyRace " + params, 1, 1).add("CopyRace " + params, 2, s2 / s1);
            Result<?> enoent = group.getSecondaryResults().get("enoent");
            Result<?> ebusy = group.getSecondaryResults().get("ebusy");
            Result<?> copies = group.getSecondaryResults().get("copy");
            System.out.printf(
                    Locale.ROOT,
                    "%-42s %-13s %11.3f %11.3f %6.2f %8s %9s%n",
                    "IOAS_COPY (+unmap) racing UNMAP+MAP",
                    params,
                    s1,
                    s2,
                    s2 / s1,
                    (s2 / s1 >= 1 ? ">= " : "MISS ") + "1.0",
                    load);
            System.out.printf(
                    Locale.ROOT,
                    "%-42s %-13s copies %.3f/us, failed ENOENT %.3f/us, EBUSY %.3f/us%n",
                    "  (race: copies that failed)",
                    params,
                    score(copies),
                    score(enoent),
                    score(ebusy));
        }
    }

    private static double score(Result<?> r) {
        return r == null ? 0 : r.getScore();
    }

    private static ChainedOptionsBuilder options(boolean quick) {
        return new OptionsBuilder()
                .forks(1)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                // The emulated kernel's paths need seconds of JIT warm-up (more on a loaded machine,
                // where the compiler threads wait too): shorter runs measure the warm-up.
                .warmupIterations(quick ? 8 : 10)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 5)
                .measurementTime(TimeValue.seconds(1));
    }

    private static String params(RunResult r) {
        StringBuilder s = new StringBuilder();
        for (String key : r.getParams().getParamsKeys()) {
            s.append(s.isEmpty() ? "" : " ")
                    .append(key)
                    .append('=')
                    .append(r.getParams().getParam(key));
        }
        return s.toString();
    }

    private static String quote(String s) {
        return s.replace(".", "\\.");
    }
}
