package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void versionNamesTheProjectAndTheKernelItEmulates() {
        CliRun r = CliRun.of("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("jvfio ").contains("Linux 7.2");
    }

    @Test
    void helpListsTheCommands() {
        CliRun r = CliRun.of("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("demo", "conformance");
    }

    @Test
    void helpForACommandShowsThatCommandsUsage() {
        // `help ls` builds every command's model; `ls --help` only ls's (Main.commandLine)
        assertThat(CliRun.of("help", "ls").out()).startsWith("Usage: jvfio ls");
        assertThat(CliRun.of("ls", "--help").out()).startsWith("Usage: jvfio ls");
        assertThat(CliRun.of("help").out()).contains("demo", "conformance");
    }

    @Test
    void unknownBackendIsAMessageNotAStackTrace() {
        CliRun r = CliRun.of("conformance", "--backend", "bogus");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no backend 'bogus'").doesNotContain("Exception");
    }

    @Test
    void unknownCommandIsRefused() {
        CliRun r = CliRun.of("frobnicate");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("frobnicate");
    }
}
