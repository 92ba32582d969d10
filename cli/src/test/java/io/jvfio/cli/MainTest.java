package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
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
    void versionNamesTheProjectAndTheKernelItEmulates() {
        Run r = run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("jvfio ").contains("Linux 7.2");
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("demo", "conformance");
    }

    @Test
    void unknownBackendIsAMessageNotAStackTrace() {
        Run r = run("conformance", "--backend", "bogus");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no backend 'bogus'").doesNotContain("Exception");
    }

    @Test
    void unknownCommandIsRefused() {
        Run r = run("frobnicate");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("frobnicate");
    }
}
