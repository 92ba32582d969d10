/** `jvfio serve`: one emulated kernel for many processes, and the served backend that reaches it. */
module io.jvfio.server {
    requires transitive io.jvfio.emulator;
    requires java.logging;

    exports io.jvfio.server;

    provides io.jvfio.kernel.KernelProvider with
            io.jvfio.server.ServedKernelProvider;
}
