package io.jvfio.cli;

import io.jvfio.conformance.Backend;
import io.jvfio.conformance.fuzz.Fuzz;
import io.jvfio.conformance.fuzz.FuzzProgram;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * jvfio fuzz: replays seeded random operation sequences on one backend, one normalized line per
 * operation; with {@code --compare LOG} (a log of the other backend) it reports where they part.
 */
@Command(
        name = "fuzz",
        mixinStandardHelpOptions = true,
        description = "Differential fuzzer: replay seeded random operation sequences, one line per operation.")
final class FuzzCommand implements Callable<Integer> {
    private static final String IOMMUFD_TEST = "jvfio.emulator.iommufdTest";

    @Spec
    CommandSpec spec;

    @Option(
            names = "--seed",
            paramLabel = "N",
            description = "The first seed. Default: ${DEFAULT-VALUE}.",
            defaultValue = "1")
    long seed;

    @Option(
            names = "--seeds",
            paramLabel = "COUNT",
            description = "How many seeds from --seed on. Default: ${DEFAULT-VALUE}.",
            defaultValue = "1")
    int seeds;

    @Option(
            names = "--ops",
            paramLabel = "M",
            description = "Operations per seed. Default: ${DEFAULT-VALUE}.",
            defaultValue = "1000")
    int ops;

    @Option(
            names = "--mode",
            description = "iommufd, vfio, or both in turn (iommufd,vfio). Default: ${DEFAULT-VALUE}.",
            defaultValue = "iommufd")
    String mode;

    @Option(
            names = "--backend",
            description = "emulated or native. Default: ${DEFAULT-VALUE}.",
            defaultValue = "emulated")
    String backend;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the log here instead of to standard output.")
    Path outFile;

    @Option(
            names = "--compare",
            paramLabel = "LOG",
            description = "Compare this run's log with LOG (the other backend's) and report divergences.")
    Path compare;

    @Override
    public Integer call() throws IOException {
        List<FuzzProgram.Mode> modes = new ArrayList<>();
        for (String m : mode.split(",", -1)) {
            try {
                modes.add(FuzzProgram.Mode.valueOf(m.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(
                        spec.commandLine(), "--mode: iommufd, vfio or both (iommufd,vfio), not " + m);
            }
        }
        if (ops < 0 || seeds < 1) {
            throw new ParameterException(spec.commandLine(), "--ops must be >= 0 and --seeds >= 1");
        }
        KernelProvider provider;
        try {
            provider = KernelProvider.named(backend);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!provider.available()) {
            throw new BackendOptions.BackendUnusableException(backend);
        }
        List<String> expected = compare == null ? null : Files.readAllLines(compare);
        // The test VM's kernel has IOMMU_TEST_CMD; the emulated one gets it for the run, and the
        // shared device lookup learns which backend it is on.
        if (System.getProperty(IOMMUFD_TEST) == null) {
            System.setProperty(IOMMUFD_TEST, "true");
        }
        System.setProperty(Backend.PROPERTY, backend);
        Kernel shared = backend.equals("native") ? provider.open() : null;
        Supplier<Kernel> kernels = shared != null ? () -> shared : provider::open;
        List<Long> seedList = LongStream.range(seed, seed + seeds).boxed().toList();
        List<String> log = new ArrayList<>();
        PrintWriter stdout = spec.commandLine().getOut();
        try (PrintWriter file = outFile == null ? null : new PrintWriter(Files.newBufferedWriter(outFile))) {
            PrintWriter sink = file != null ? file : stdout;
            for (FuzzProgram.Mode m : modes) {
                Fuzz.run(kernels, m, seedList, ops, line -> {
                    sink.println(line);
                    if (expected != null) {
                        log.add(line);
                    }
                });
            }
            sink.flush();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (expected == null) {
            return 0;
        }
        List<Fuzz.Divergence> diverged = Fuzz.compare(expected, log);
        for (Fuzz.Divergence d : diverged) {
            stdout.println("diverged: " + d.seed() + ": line " + d.line() + " (" + d.differing() + " lines differ)");
            stdout.println("  expected: " + d.expected());
            stdout.println("  actual:   " + d.actual());
        }
        stdout.println(
                "fuzz: " + modes.size() * seeds + " sequences of " + ops + " ops, " + diverged.size() + " diverged");
        stdout.flush();
        return diverged.isEmpty() ? 0 : 1;
    }
}
