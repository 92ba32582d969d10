package io.jvfio.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@link NvmeBenchmarks} in one run: each 4 KiB command's IOPS and its ratio to the 4 KiB memcpy
 * rate measured beside it, with the host's load average before and after (the machine may be
 * shared), under a header line starting "benchmark" (where {@code jvfio bench} starts printing).
 * Issue 16's target is QD32 reads at 10 % of the memcpy rate; the driver keeps one command in
 * flight, so the rows are queue depth 1.
 */
final class NvmeIops {
    private NvmeIops() {}

    static final double TARGET = 0.10;

    static void run(boolean quick) throws RunnerException {
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                        .include(NvmeBenchmarks.class.getName())
                        .forks(1)
                        .warmupIterations(quick ? 2 : 3)
                        .warmupTime(TimeValue.milliseconds(quick ? 500 : 1000))
                        .measurementIterations(quick ? 3 : 5)
                        .measurementTime(TimeValue.milliseconds(quick ? 500 : 1000))
                        .build())
                .run();
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        double memcpy = results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith("Memcpy.copy4k"))
                .mapToDouble(r -> r.getPrimaryResult().getScore())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the memcpy baseline did not run"));
        System.out.printf(Locale.ROOT, "%n%-14s %-6s %-4s %12s %12s%n", "benchmark", "mode", "QD", "IOPS", "/ memcpy");
        System.out.printf(Locale.ROOT, "%-14s %-6s %-4s %12.0f %12s%n", "memcpy 4 KiB", "", "", memcpy, "1");
        for (RunResult r : results) {
            String benchmark = r.getParams().getBenchmark();
            if (benchmark.endsWith("copy4k")) {
                continue;
            }
            double iops = r.getPrimaryResult().getScore();
            System.out.printf(
                    Locale.ROOT,
                    "%-14s %-6s %-4s %12.0f %12.5f%n",
                    benchmark.substring(benchmark.lastIndexOf('.') + 1),
                    r.getParams().getParam("completion"),
                    "1",
                    iops,
                    iops / memcpy);
        }
        System.out.printf(
                Locale.ROOT,
                "target: QD32 reads >= %.0f %% of memcpy (QD32 needs a driver with several commands in flight)%n"
                        + "load average %.2f before, %.2f after; java %s, %d cpus%n",
                TARGET * 100,
                loadBefore,
                loadAfter,
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
    }
}
