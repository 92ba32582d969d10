package io.jvfio.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wall time of starting jvfio against {@code java -version} on the same JDK, measured in the same
 * run: the commands take turns, round by round, so a busy moment of the machine falls on all of
 * them; the table gives each command's median and its ratio to java -version's. ./jvfio's JVM
 * options (cli/target/jvfio.args) without the build's AOT cache are measured too, to show what the
 * cache gives.
 */
final class Startup {
    private Startup() {}

    static void run(Path checkout, boolean quick) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jvfio = checkout.resolve("jvfio");
        Path args = checkout.resolve("cli/target/jvfio.args");
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("java -version", List.of(java.toString(), "-version"));
        commands.put("./jvfio ls", List.of(jvfio.toString(), "ls"));
        commands.put("jvfio ls without the AOT cache", List.of(java.toString(), "@" + args, "ls"));
        commands.put("./jvfio demo", List.of(jvfio.toString(), "demo"));
        // The first ./jvfio builds the jar if the sources changed; that is not startup.
        time(commands.get("./jvfio ls"));
        int rounds = quick ? 5 : 21;
        Map<String, long[]> samples = new LinkedHashMap<>();
        commands.keySet().forEach(k -> samples.put(k, new long[rounds]));
        for (int round = 0; round < rounds; round++) {
            for (Map.Entry<String, List<String>> c : commands.entrySet()) {
                samples.get(c.getKey())[round] = time(c.getValue());
            }
        }
        double baseline = median(samples.get("java -version"));
        System.out.printf(
                "%n%-36s %12s %16s%n", "benchmark (median of " + rounds + " starts)", "ms", "x java -version");
        for (Map.Entry<String, long[]> s : samples.entrySet()) {
            double ms = median(s.getValue());
            System.out.printf("%-36s %12.1f %16.2f%n", s.getKey(), ms / 1e6, ms / baseline);
        }
    }

    /** Nanoseconds from starting the command to its exit; its output is discarded. */
    private static long time(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        try {
            long start = System.nanoTime();
            int exit = pb.start().waitFor();
            long elapsed = System.nanoTime() - start;
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + exit);
            }
            return elapsed;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
