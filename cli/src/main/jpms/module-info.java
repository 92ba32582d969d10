/** The jvfio command. */
module io.jvfio.cli {
    requires io.jvfio.api;
    requires io.jvfio.emulator;
    requires io.jvfio.server;
    requires io.jvfio.conformance;
    requires info.picocli;
    requires org.junit.platform.launcher;

    opens io.jvfio.cli to
            info.picocli;
}
