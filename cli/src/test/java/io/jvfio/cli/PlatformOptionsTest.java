package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** --backend, --device and --platform on the commands, and the mixin as other commands use it. */
class PlatformOptionsTest {
    @Test
    void lsShowsExactlyTheDescribedDevices() {
        CliRun r = CliRun.of("ls", "--device", "edu", "--device", "nvme,size=64M,addr=06.0", "--device", "mtty");
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out().lines().skip(2).map(l -> l.substring(0, 12)))
                .containsExactly("0000:00:04.0", "0000:00:06.0");
        assertThat(r.out()).startsWith("backend: emulated\n");
    }

    @Test
    void aPlatformFileComesBeforeTheDevicesGivenOnTheCommandLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("machine.txt");
        Files.writeString(file, "# two edus a bridge cannot tell apart\npci-bridge,id=br,addr=1e.0\nedu,bus=br\n");
        CliRun r = CliRun.of("ls", "--platform", file.toString(), "--device", "edu,bus=br");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .containsPattern("0000:00:1e\\.0 +1b36:0001 +PCI bridge +- +0 ")
                .containsPattern("0000:01:00\\.0 +1234:11e8 .* 0 ")
                .containsPattern("0000:01:01\\.0 +1234:11e8 .* 0 ");
    }

    @Test
    void aBadDescriptionIsOneLineNamingTheDeviceAndTheProblem(@TempDir Path dir) throws IOException {
        CliRun size = CliRun.of("ls", "--device", "nvme,size=64Q");
        assertThat(size.exit()).isEqualTo(UserError.USAGE);
        assertThat(size.err())
                .isEqualTo("jvfio: --device (nvme,size=64Q): size=64Q is not a size (e.g. 4096, 64K, 16M, 1G)"
                        + " (see 'jvfio ls --help')\n");
        Path file = dir.resolve("m.txt");
        Files.writeString(file, "edu\nedu,addr=04.0\n");
        CliRun taken = CliRun.of("demo", "--platform", file.toString());
        assertThat(taken.exit()).isEqualTo(UserError.USAGE);
        assertThat(taken.err())
                .isEqualTo("jvfio: " + file + " line 2 (edu,addr=04.0): addr 04.0 on pcie.0 is taken by edu"
                        + " (see 'jvfio demo --help')\n");
        CliRun missing =
                CliRun.of("conformance", "--platform", dir.resolve("none.txt").toString());
        assertThat(missing.exit()).isEqualTo(UserError.USAGE);
        assertThat(missing.err()).contains("cannot read it (NoSuchFileException)");
    }

    @Test
    void aDescribedMachineIsTheEmulatedBackends() {
        CliRun r = CliRun.of("ls", "--backend", "native", "--device", "edu");
        assertThat(r.exit()).isEqualTo(UserError.USAGE);
        assertThat(r.err())
                .startsWith("jvfio: --device and --platform describe the emulated machine; the native backend");
        CliRun both = CliRun.of("demo", "--native", "--backend", "emulated");
        assertThat(both.exit()).isEqualTo(UserError.USAGE);
        assertThat(both.err()).contains("--native and --backend emulated contradict");
    }

    @Test
    void demoSkipsWhatTheDescribedMachineLacks() {
        CliRun r = CliRun.of("demo", "--backend", "emulated", "--device", "nvme,size=64M,serial=big");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out())
                .contains("described platform")
                .contains("skip find in sysfs", "no edu device on the described machine")
                .contains("serial big, firmware 7.2.0; 131072 x 512-byte blocks (64 MiB)")
                .doesNotContain("FAIL");
        assertThat(r.out().strip().lines().toList().getLast())
                .matches("PASS: all \\d+ steps succeeded in \\d+ ms \\(not on this machine: edu, I/OAT\\)");
    }

    @Test
    void conformanceRunsOnTheDescribedMachine() {
        CliRun r = CliRun.of("conformance", "--device", "edu,addr=09.0", "--tests", ".*vfiopci\\.EduTest", "-v");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("(described machine)").contains(" passed, 0 failed, 0 skipped");
        assertThat(System.getProperty("jvfio.emulator.platform")).isNull();
    }

    /** A command the way `jvfio run` or `serve` would take the options. */
    @Command(name = "boot")
    static final class Boot implements Runnable {
        @Mixin
        PlatformOptions platform;

        EmulatedKernel kernel;

        @Override
        public void run() {
            kernel = platform.boot(EmulatorConfig.defaults());
        }
    }

    @Test
    void theMixinBootsAKernelOnTheMachine() {
        Boot described = new Boot();
        assertThat(new CommandLine(described).execute("--device", "edu,addr=1f.7", "--device", "edu,addr=1f.0"))
                .isZero();
        assertThat(described.kernel.listDirectory("/sys/bus/pci/devices"))
                .containsExactly("0000:00:1f.0", "0000:00:1f.7");
        Boot fallback = new Boot();
        new CommandLine(fallback).execute();
        assertThat(fallback.kernel.listDirectory("/sys/bus/pci/devices")).hasSize(8);
    }
}
