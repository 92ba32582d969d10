package io.jvfio.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalDouble;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks and the scale run, and prints every result as a ratio to the baseline
 * ({@link IommufdBenchmarks.Baseline#trivialIoctl}) measured in the same run, so numbers compare
 * across machines; then the pairs that have a baseline of their own: map+unmap with a domain
 * against the same without, and pinning 1 GiB against touching it.
 *
 * <p>Arguments: {@code [--quick] [--scale N] [--no-scale] [regex]}, or {@code [--quick] --run
 * PROGRAM PRELOAD} for {@link RunRoundTrip} alone (PROGRAM: preload/target/ioctl-bench, PRELOAD:
 * the preload library), or {@code [--quick] --startup CHECKOUT} for {@link Startup} alone (the
 * checkout whose ./jvfio to time), or {@code [--quick] --threads} for {@link ThreadScaling} alone
 * (the concurrency benchmarks at 1 and 2 threads), or {@code [--quick] --nvme} for {@link
 * NvmeIops} alone (4 KiB NVMe IOPS against a 4 KiB memcpy).
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws RunnerException {
        boolean quick = false;
        boolean scale = true;
        long scaleCount = 1_000_000;
        String include = IommufdBenchmarks.class.getSimpleName();
        Path[] run = null;
        Path startup = null;
        boolean threads = false;
        boolean nvme = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--run" -> {
                    run = new Path[] {Path.of(args[i + 1]), Path.of(args[i + 2])};
                    i += 2;
                }
                case "--startup" -> startup = Path.of(args[++i]);
                case "--threads" -> threads = true;
                case "--nvme" -> nvme = true;
                case "--no-scale" -> scale = false;
                case "--scale" -> scaleCount = Long.parseLong(args[++i]);
                default -> include = args[i];
            }
        }
        if (run != null) {
            RunRoundTrip.run(run[0], run[1], quick);
            return;
        }
        if (threads) {
            ThreadScaling.run(quick);
            return;
        }
        if (nvme) {
            NvmeIops.run(quick);
            return;
        }
        if (startup != null) {
            Startup.run(startup, quick);
            return;
        }
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .include("Baseline")
                .include("RealSyscall")
                .forks(1)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                .warmupIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.milliseconds(quick ? 300 : 1000))
                .measurementIterations(quick ? 3 : 5)
                .measurementTime(TimeValue.milliseconds(quick ? 300 : 1000));
        Collection<RunResult> results = new Runner(options.build()).run();
        double baseline = results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith("trivialIoctl"))
                .mapToDouble(r -> r.getPrimaryResult().getScore())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the baseline did not run"));
        List<String> lines = new ArrayList<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().replace(IommufdBenchmarks.class.getName() + ".", "");
            StringBuilder params = new StringBuilder();
            for (String key : r.getParams().getParamsKeys()) {
                params.append(key)
                        .append('=')
                        .append(r.getParams().getParam(key))
                        .append(' ');
            }
            double score = r.getPrimaryResult().getScore();
            lines.add(String.format(
                    "%-24s %-28s %14.0f %12.2f", name, params.toString().trim(), score, score / baseline));
        }
        System.out.printf("%n%-24s %-28s %14s %12s%n", "benchmark", "params", "ns/op", "x baseline");
        lines.forEach(System.out::println);
        printPairs(results);
        if (scale) {
            Scale.run(scaleCount, baseline, System.out);
        }
        System.out.printf(
                "java %s, %d cpus%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    }

    /** Each result that has a baseline of its own in this run, divided by it. */
    private static void printPairs(Collection<RunResult> results) {
        System.out.printf("%n%-48s %12s%n", "against its own baseline", "ratio");
        for (RunResult r : results) {
            String benchmark = r.getParams().getBenchmark();
            double score = r.getPrimaryResult().getScore();
            if (benchmark.endsWith("Baseline.trivialIoctl")) {
                find(results, "RealSyscall.fionread")
                        .ifPresent(real -> System.out.printf(
                                "%-48s %12.2f%n", "trivial ioctl / real FIONREAD through FFM", score / real));
            } else if (benchmark.endsWith("MapUnmap.mapUnmap")
                    && r.getParams().getParam("domain").equals("true")) {
                String size = r.getParams().getParam("size");
                find(results, "MapUnmap.mapUnmap", "size", size, "domain", "false")
                        .ifPresent(without -> System.out.printf(
                                "%-48s %12.2f%n",
                                "map+unmap size=" + size + ": with domain / without", score / without));
            } else if (benchmark.endsWith("Pin.pinUnpin")) {
                String leaves = r.getParams().getParam("leaves");
                find(results, "Touch.touch1G")
                        .ifPresent(touch -> System.out.printf(
                                "%-48s %12.2f%n",
                                "pin+unpin 1 GiB leaves=" + leaves + " / touch 1 GiB", score / touch));
            }
        }
    }

    /** The score of the benchmark ending in {@code suffix} with these (name, value) parameters, if it ran. */
    private static OptionalDouble find(Collection<RunResult> results, String suffix, String... params) {
        return results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith(suffix))
                .filter(r -> {
                    for (int i = 0; i < params.length; i += 2) {
                        if (!params[i + 1].equals(r.getParams().getParam(params[i]))) {
                            return false;
                        }
                    }
                    return true;
                })
                .mapToDouble(r -> r.getPrimaryResult().getScore())
                .findFirst();
    }
}
