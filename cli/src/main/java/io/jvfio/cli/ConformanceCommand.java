package io.jvfio.cli;

import io.jvfio.conformance.ConformanceSuite;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** jvfio conformance: the boundary suite on one backend, ending with "N passed, M failed". */
@Command(
        name = "conformance",
        mixinStandardHelpOptions = true,
        description = {
            "Run the conformance suite (the same tests on either backend).",
            "Backend: emulated unless --backend native."
        })
final class ConformanceCommand implements Callable<Integer> {
    private static final String IOMMUFD_TEST = "jvfio.emulator.iommufdTest";

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backend;

    @Mixin
    PlatformOptions platform;

    @Option(
            names = "--tests",
            paramLabel = "REGEX",
            description = "Run only the test classes whose fully qualified name matches REGEX (e.g. '.*Dmabuf.*').")
    String tests;

    @Option(
            names = {"-v", "--verbose"},
            description = "Print every test, not only failures.")
    boolean verbose;

    @Override
    public Integer call() {
        String name = backend.resolve("emulated", platform);
        if (tests != null) {
            try {
                Pattern.compile(tests);
            } catch (PatternSyntaxException e) {
                throw new ParameterException(spec.commandLine(), "--tests: not a regular expression: " + tests);
            }
        }
        // The rule 20-32 tests need IOMMU_TEST_CMD, which the test VM's kernel has: so does the
        // emulated kernel for this run (as in the Maven build), unless the user said otherwise.
        if (System.getProperty(IOMMUFD_TEST) == null) {
            System.setProperty(IOMMUFD_TEST, "true");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("conformance on the " + name + " backend" + (platform.described() ? " (described machine)" : ""));
        ConformanceSuite.Result r;
        try (PlatformOptions.Applied machine = platform.applyToEmulatedBackend()) {
            r = ConformanceSuite.run(name, tests, verbose, out);
        }
        out.printf("%.1f s%n", r.elapsed().toMillis() / 1000.0);
        out.println(r.summary());
        out.flush();
        if (tests != null && r.passed() + r.failed() + r.skipped() == 0) {
            spec.commandLine().getErr().println("jvfio conformance: no test class matches --tests " + tests);
            return UserError.USAGE;
        }
        return r.failed() == 0 ? 0 : 1;
    }
}
