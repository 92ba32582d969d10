package io.jvfio.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * jvfio bench: runs the JMH benchmarks jar (bench/target/benchmarks.jar) in a child JVM, streaming
 * its output; the jar prints each result with its ratio to the in-run baseline.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Run the JMH benchmarks (bench/target/benchmarks.jar) and print their ratios to the baseline.")
final class BenchCommand implements Callable<Integer> {
    static final String BUILD = "./mvnw -B -pl bench -am package -DskipTests";

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Short warm-up and measurement, no 1M-mapping scale run (about a minute).")
    boolean quick;

    @Option(
            names = "--jar",
            paramLabel = "PATH",
            description = "The benchmarks jar. Default: bench/target/benchmarks.jar next to this jvfio.")
    Path jar;

    @Option(
            names = "--run",
            description = "Instead: the ioctl round trip of `jvfio run` (the C program preload/target/ioctl-bench"
                    + " through the preload library and a kernel server) against the same ioctls from Java"
                    + " in-process, each with a real system call measured in the same run.")
    boolean run;

    @Option(
            names = "--startup",
            description = "Instead: the wall time of ./jvfio ls and ./jvfio demo against java -version on the same"
                    + " JDK, round by round in the same run (medians and ratios).")
    boolean startup;

    @Option(
            names = "--threads",
            description = "Instead: the concurrency benchmarks at 1 and 2 threads (map+unmap on an IOAS per thread"
                    + " and on one IOAS, with and without a domain; IOAS_COPY racing unmap; DMA from two devices):"
                    + " throughput ratios against their targets, and a plot of throughput against threads.")
    boolean threads;

    @Option(
            names = "--nvme",
            description = "Instead: 4 KiB random read and write IOPS through the Java NVMe driver on the emulated"
                    + " controller (polled and MSI-X, queue depth 1), against a 4 KiB memcpy in the same run.")
    boolean nvme;

    @Option(
            names = {"-v", "--verbose"},
            description = "Show JMH's whole output, not one progress line per benchmark.")
    boolean verbose;

    @Parameters(paramLabel = "ARG", description = "Passed to the benchmarks jar (e.g. a JMH include regex).")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path benchmarks = jar != null ? jar : defaultJar();
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isRegularFile(benchmarks)) {
            spec.commandLine().getErr().println("jvfio: " + benchmarks + " is missing; build it with: " + BUILD);
            return UserError.FAILED;
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                benchmarks.toString()));
        if (quick) {
            command.addAll(List.of("--quick", "--no-scale"));
        }
        if (run) {
            Path lib = ServeOptions.preloadLibrary();
            command.addAll(List.of("--run", lib.resolveSibling("ioctl-bench").toString(), lib.toString()));
        }
        if (startup) {
            command.addAll(List.of("--startup", checkout().toString()));
        }
        if (threads) {
            command.add("--threads");
        }
        if (nvme) {
            command.add("--nvme");
        }
        command.addAll(args);
        out.println("running " + benchmarks + (quick ? " (quick)" : ""));
        out.flush();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Filter filter = new Filter(out);
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (verbose) {
                    out.println(line);
                } else {
                    filter.accept(line);
                }
                out.flush();
            }
        }
        int exit = p.waitFor();
        if (exit != 0) {
            spec.commandLine()
                    .getErr()
                    .println("jvfio: the benchmarks exited with " + exit
                            + (verbose ? "" : " (run with -v for JMH's output)"));
            return UserError.FAILED;
        }
        return UserError.OK;
    }

    /**
     * JMH's output reduced to one progress line per benchmark, then the results the jar prints at
     * the end (its ratio tables), without JVM warnings.
     */
    static final class Filter {
        private final PrintWriter out;
        private String pending;
        private boolean results;

        Filter(PrintWriter out) {
            this.out = out;
        }

        void accept(String line) {
            if (line.startsWith("WARNING:")) {
                return;
            }
            if (results) {
                out.println(line);
            } else if (line.startsWith("# Benchmark: ")) {
                pending = line.substring("# Benchmark: ".length()).replace("io.jvfio.bench.", "");
            } else if (line.startsWith("# Parameters: ") && pending != null) {
                pending += " " + line.substring("# Parameters: ".length());
            } else if (line.startsWith("# Warmup Iteration") && pending != null) {
                out.println("  " + pending);
                pending = null;
            } else if (line.startsWith("benchmark ")) {
                // the jar's own summary with ratios to the baseline: everything from here on
                results = true;
                out.println();
                out.println(line);
            }
        }
    }

    /** bench/target/benchmarks.jar of the checkout this jvfio was built in. */
    private static Path defaultJar() {
        return checkout().resolve("bench/target/benchmarks.jar");
    }

    /** The checkout this jvfio was built in, else the current directory. */
    private static Path checkout() {
        Path self;
        try {
            self = Path.of(BenchCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the jvfio jar", e);
        }
        // self is cli/target/modules/jvfio-cli-*.jar (./jvfio), cli/target/jvfio-cli.jar or
        // cli/target/classes: the checkout is the nearest directory above it with bench/pom.xml.
        for (Path dir = self.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("bench/pom.xml"))) {
                return dir;
            }
        }
        return Path.of("");
    }
}
