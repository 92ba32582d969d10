package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** demo, ls and bench on the emulated backend: output, errors and exit codes. */
class CommandsTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void demoRunsEveryStepAndPasses() {
        Run r = run("demo");
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
        Run r = run("demo", "--poll");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("completions by polling").doesNotContain("MSI-X interrupts");
    }

    @Test
    void demoOnAnUnusableNativeBackendIsOneLine() {
        Run r = run("demo", "--native");
        if (new java.io.File("/dev/iommu").canWrite()) {
            return; // a machine where the native backend works: nothing to refuse
        }
        assertThat(r.exit()).isEqualTo(UserError.BACKEND_UNUSABLE);
        assertThat(r.err().strip())
                .isEqualTo("jvfio: the native backend is not usable here (/dev/iommu missing or no permission)");
    }

    @Test
    void lsShowsTheDefaultPlatformWithGroups() {
        Run r = run("ls", "--backend", "emulated");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("backend: emulated");
        assertThat(r.out()).containsPattern("0000:00:04\\.0 +1234:11e8 +Unclassified device +- +0 ");
        assertThat(r.out()).containsPattern("0000:00:05\\.0 +1b36:0010 +Non-Volatile memory controller +- +1 ");
        assertThat(r.out()).containsPattern("0000:02:02\\.0 +1234:11e8 .* 3 ");
    }

    @Test
    void lsWithAnUnknownBackendIsAUsageError() {
        Run r = run("ls", "--backend", "bogus");
        assertThat(r.exit()).isEqualTo(UserError.USAGE);
        assertThat(r.err().strip())
                .startsWith("jvfio: no backend 'bogus'")
                .endsWith("(see 'jvfio ls --help')")
                .doesNotContain("\n");
    }

    @Test
    void benchWithoutItsJarSaysHowToBuildIt() {
        Run r = run("bench", "--quick", "--jar", "/nonexistent/benchmarks.jar");
        assertThat(r.exit()).isEqualTo(UserError.FAILED);
        assertThat(r.err().strip())
                .isEqualTo("jvfio: /nonexistent/benchmarks.jar is missing; build it with: " + BenchCommand.BUILD);
    }
}
