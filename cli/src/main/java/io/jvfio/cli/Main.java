package io.jvfio.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The jvfio command: a front end over the typed API. */
@Command(
        name = "jvfio",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description =
                "Linux VFIO + iommufd device passthrough in Java: an emulated Linux 7.2 kernel and a native backend.")
public final class Main {
    /** The subcommands, in the order the help lists them. */
    private static final List<Class<?>> SUBCOMMANDS = List.of(
            DemoCommand.class,
            LsCommand.class,
            BenchCommand.class,
            ConformanceCommand.class,
            FuzzCommand.class,
            RunCommand.class,
            ServeCommand.class,
            CommandLine.HelpCommand.class);

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (used by tests). */
    public static int run(String... args) {
        return commandLine(args).execute(args);
    }

    /**
     * The configured command line for these arguments, for callers that redirect its output. When
     * the first argument names a subcommand, only that one is added: picocli builds the model of
     * every command it is given by reflection, most of a short command's startup.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        List<Class<?>> named = args.length == 0
                ? List.of()
                : SUBCOMMANDS.stream()
                        .filter(c -> c.getAnnotation(Command.class).name().equals(args[0]))
                        // `help CMD` names the other commands: it needs them all
                        .filter(c -> c != CommandLine.HelpCommand.class)
                        .toList();
        (named.isEmpty() ? SUBCOMMANDS : named).forEach(cl::addSubcommand);
        cl.setParameterExceptionHandler((ex, ignored) -> {
            // One line, not the usage text: what is wrong and where the help is.
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr()
                    .println("jvfio: " + ex.getMessage() + " (see '"
                            + cmd.getCommandSpec().qualifiedName() + " --help')");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // A user error is a message, never a stack trace.
            cmd.getErr().println("jvfio: " + UserError.message(ex));
            return UserError.exitCode(ex);
        });
        return cl;
    }

    /** The version baked into the jar at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {
                "jvfio " + p.getProperty("version", "unknown"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                "Emulates: Linux 7.2 iommufd and VFIO uAPI"
            };
        }
    }
}
