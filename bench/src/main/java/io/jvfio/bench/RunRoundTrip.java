package io.jvfio.bench;

import io.jvfio.api.PciDevices;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.server.KernelServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The ioctl round trip of {@code jvfio run}: the C program preload/bench/ioctl-bench.c runs under
 * a kernel server in this JVM (through the preload library, as {@code jvfio run} starts it), then
 * JMH measures the same ioctls called on an emulated kernel in-process ({@link InProcess}). Each
 * side has its trivial real system call (getuid) measured in the same run; the table gives both
 * sides' ns/op, their ratios to it, and C / Java. Both kernels are the same configuration (the
 * iommufd test module, one IOAS, no domain).
 */
public final class RunRoundTrip {
    private RunRoundTrip() {}

    /** The C program's keys, in the order of the table, with what they are. */
    private static final Map<String, String> CALLS = new LinkedHashMap<>();

    static {
        CALLS.put("getuid", "getuid (the trivial system call)");
        CALLS.put("rlimit_mode_get", "IOMMU_OPTION RLIMIT_MODE GET");
        CALLS.put("huge_pages_get", "IOMMU_OPTION HUGE_PAGES GET");
        CALLS.put("map_unmap_4k", "IOAS_MAP + IOAS_UNMAP 4 KiB");
        CALLS.put("ping", "socketpair round trip (C only)");
        CALLS.put("fionread", "FIONREAD on a pipe (C only)");
        CALLS.put("bar_pread", "edu BAR0 register pread (C only)");
        CALLS.put("mmio_load", "edu BAR0 register load, mmap (C only)");
        CALLS.put("bar_pwrite", "edu BAR0 register pwrite (C only)");
        CALLS.put("mmio_store", "edu BAR0 register store, mmap (C only)");
    }

    /** The edu the C program times register accesses on (the default platform's, on vfio-pci). */
    private static final String EDU = "0000:00:04.0";

    /** The same calls from Java, on the emulated kernel directly (the C program's keys in camel case). */
    public static class InProcess extends IommufdBenchmarks.WithIoas {
        private MemorySegment memory;

        @Override
        void prepare() {
            memory = userMemory(IommufdBenchmarks.K4, 0);
        }

        @Benchmark
        public int getuid() {
            return HostSyscalls.getuid();
        }

        @Benchmark
        public long rlimitModeGet() {
            return iommu.rlimitModeGet();
        }

        @Benchmark
        public long hugePagesGet() {
            return iommu.hugePagesGet(ioas);
        }

        @Benchmark
        public long mapUnmap4k() {
            iommu.mapFixed(ioas, memory.address(), IommufdBenchmarks.K4, IommufdBenchmarks.IOVA);
            return iommu.unmap(ioas, IommufdBenchmarks.IOVA, IommufdBenchmarks.K4);
        }
    }

    /** Runs both sides and prints the table. */
    static void run(Path program, Path preload, boolean quick) throws RunnerException {
        Map<String, Double> c = runC(program, preload, quick);
        OptionsBuilder options = new OptionsBuilder();
        options.include(InProcess.class.getName().replace("$", ".") + "\\.")
                .forks(1)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                .warmupIterations(quick ? 3 : 5)
                .warmupTime(TimeValue.milliseconds(quick ? 500 : 1000))
                .measurementIterations(quick ? 3 : 5)
                .measurementTime(TimeValue.milliseconds(quick ? 500 : 1000));
        Collection<RunResult> results = new Runner(options.build()).run();
        Map<String, Double> java = new LinkedHashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().replaceAll(".*\\.", "");
            java.put(snake(method), r.getPrimaryResult().getScore());
        }
        print(c, java);
    }

    /** rlimitModeGet -> rlimit_mode_get; mapUnmap4k -> map_unmap_4k. */
    static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z0-9])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** The C program under a kernel server in this JVM: its ns/op by call. */
    private static Map<String, Double> runC(Path program, Path preload, boolean quick) {
        for (Path p : List.of(program, preload)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(p + " is missing (build with ./mvnw -pl preload package)");
            }
        }
        EmulatedKernel kernel = EmulatedKernel.create(
                EmulatorConfig.defaults().withIommufdTest(true).withPlatform("default"));
        PciDevices.bindToVfioPci(kernel, EDU);
        Path socket = KernelServer.privateSocket();
        List<String> lines = new ArrayList<>();
        try (KernelServer server = KernelServer.start(kernel, socket)) {
            List<String> command = new ArrayList<>(List.of(program.toString(), "-d", EDU));
            if (quick) {
                command.addAll(List.of("-r", "9", "-w", "10"));
            }
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().put(KernelServer.SOCKET_ENV, server.socket().toString());
            pb.environment().put(KernelServer.PREFIXES_ENV, KernelServer.prefixes());
            pb.environment().put("LD_PRELOAD", preload.toAbsolutePath().toString());
            Process p = pb.start();
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    System.out.println("c: " + line);
                    lines.add(line);
                }
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException(program + " exited with " + p.exitValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            try {
                Files.deleteIfExists(socket);
                Files.deleteIfExists(socket.getParent());
            } catch (IOException e) {
                // a temporary directory left behind
            }
        }
        return parse(lines);
    }

    /** The program's result lines: "KEY NS_PER_OP RATIO WHAT..."; comment lines start with '#'. */
    static Map<String, Double> parse(List<String> lines) {
        Map<String, Double> ns = new LinkedHashMap<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (!line.startsWith("#") && f.length >= 2) {
                ns.put(f[0], Double.parseDouble(f[1]));
            }
        }
        return ns;
    }

    private static void print(Map<String, Double> c, Map<String, Double> java) {
        double cSyscall = c.getOrDefault("getuid", Double.NaN);
        double javaSyscall = java.getOrDefault("getuid", Double.NaN);
        System.out.printf(
                Locale.ROOT,
                "%n%-36s %10s %9s %10s %9s %9s%n",
                "benchmark",
                "C ns/op",
                "x getuid",
                "Java ns/op",
                "x getuid",
                "C / Java");
        for (Map.Entry<String, String> e : CALLS.entrySet()) {
            double cNs = c.getOrDefault(e.getKey(), Double.NaN);
            double javaNs = java.getOrDefault(e.getKey(), Double.NaN);
            System.out.printf(
                    Locale.ROOT,
                    "%-36s %10.0f %9.2f %10s %9s %9s%n",
                    e.getValue(),
                    cNs,
                    cNs / cSyscall,
                    Double.isNaN(javaNs) ? "-" : String.format(Locale.ROOT, "%.0f", javaNs),
                    Double.isNaN(javaNs) ? "-" : String.format(Locale.ROOT, "%.2f", javaNs / javaSyscall),
                    Double.isNaN(javaNs) ? "-" : String.format(Locale.ROOT, "%.2f", cNs / javaNs));
        }
        System.out.println("C: ioctl-bench under jvfio run (preload library, kernel server); Java: the emulated"
                + " kernel in-process (JMH); target (issue 12): C / Java <= 4 for the ioctls");
        System.out.printf(
                Locale.ROOT,
                "MMIO through the mmapped BAR against the region's pread/pwrite: load %.2f, store %.2f%n",
                c.getOrDefault("mmio_load", Double.NaN) / c.getOrDefault("bar_pread", Double.NaN),
                c.getOrDefault("mmio_store", Double.NaN) / c.getOrDefault("bar_pwrite", Double.NaN));
    }
}
