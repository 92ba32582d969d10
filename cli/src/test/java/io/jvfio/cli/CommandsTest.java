package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** demo, ls and bench on the emulated backend: output, errors and exit codes. */
class CommandsTest {
    @Test
    void demoRunsEveryStepAndPasses() {
        CliRun r = CliRun.of("demo");
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .contains("emulated backend")
                .contains("bind to vfio-pci", "driver_override + drivers_probe")
                .contains("1 interrupt, acknowledged", "1024 bytes identical")
                .contains("QEMU NVMe Ctrl, serial jvfio-nvme0, firmware 7.2.0")
                .contains("65536 bytes identical", "completions by MSI-X")
                .doesNotContain("FAIL");
        assertThat(r.out().strip().lines().toList().getLast()).matches("PASS: all \\d+ steps succeeded in \\d+ ms");
    }

    @Test
    void demoCanPollNvmeCompletions() {
        CliRun r = CliRun.of("demo", "--poll");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("completions by polling").doesNotContain("MSI-X interrupts");
    }

    @Test
    void demoOnAnUnusableNativeBackendIsOneLine() {
        CliRun r = CliRun.of("demo", "--native");
        if (new java.io.File("/dev/iommu").canWrite()) {
            return; // a machine where the native backend works: nothing to refuse
        }
        assertThat(r.exit()).isEqualTo(UserError.BACKEND_UNUSABLE);
        assertThat(r.err().strip())
                .isEqualTo("jvfio: the native backend is not usable here (/dev/iommu missing or no permission)");
    }

    @Test
    void lsShowsTheDefaultPlatformWithGroups() {
        CliRun r = CliRun.of("ls", "--backend", "emulated");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("backend: emulated");
        assertThat(r.out()).containsPattern("0000:00:04\\.0 +1234:11e8 +Unclassified device +- +0 ");
        assertThat(r.out()).containsPattern("0000:00:05\\.0 +1b36:0010 +Non-Volatile memory controller +- +1 ");
        assertThat(r.out()).containsPattern("0000:02:02\\.0 +1234:11e8 .* 3 ");
    }

    @Test
    void lsWithAnUnknownBackendIsAUsageError() {
        CliRun r = CliRun.of("ls", "--backend", "bogus");
        assertThat(r.exit()).isEqualTo(UserError.USAGE);
        assertThat(r.err().strip())
                .startsWith("jvfio: no backend 'bogus'")
                .endsWith("(see 'jvfio ls --help')")
                .doesNotContain("\n");
    }

    @Test
    void benchWithoutItsJarSaysHowToBuildIt() {
        CliRun r = CliRun.of("bench", "--quick", "--jar", "/nonexistent/benchmarks.jar");
        assertThat(r.exit()).isEqualTo(UserError.FAILED);
        assertThat(r.err().strip())
                .isEqualTo("jvfio: /nonexistent/benchmarks.jar is missing; build it with: " + BenchCommand.BUILD);
    }

    @Test
    void conformanceRunsOnlyTheSelectedClasses() {
        CliRun r = CliRun.of("conformance", "--tests", ".*vfio\\.GroupTest", "-v");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out())
                .contains("  ok    GroupTest.")
                .doesNotContain("DeviceCdevTest")
                .contains(" passed, 0 failed");
    }

    @Test
    void conformanceSelectingNothingIsAUsageError() {
        CliRun none = CliRun.of("conformance", "--tests", "NoSuchTest");
        assertThat(none.exit()).isEqualTo(UserError.USAGE);
        assertThat(none.err()).contains("no test class matches --tests NoSuchTest");
        CliRun bad = CliRun.of("conformance", "--tests", "(");
        assertThat(bad.exit()).isEqualTo(UserError.USAGE);
        assertThat(bad.err()).contains("not a regular expression");
    }
}
