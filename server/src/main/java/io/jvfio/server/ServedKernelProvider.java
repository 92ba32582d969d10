package io.jvfio.server;

import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The "served" backend: the kernel of a running {@code jvfio serve}, found by {@code JVFIO_SOCKET}
 * (or the system property {@code jvfio.socket}) as C programs find it.
 */
public final class ServedKernelProvider implements KernelProvider {
    private static String socket() {
        String p = System.getProperty("jvfio.socket");
        return p != null ? p : System.getenv(KernelServer.SOCKET_ENV);
    }

    @Override
    public String name() {
        return "served";
    }

    @Override
    public boolean available() {
        String s = socket();
        return s != null && Files.exists(Path.of(s));
    }

    @Override
    public Kernel open() {
        if (!available()) {
            throw new IllegalStateException(
                    "no kernel server: set " + KernelServer.SOCKET_ENV + " to the socket `jvfio serve` printed");
        }
        return new ServedKernel(socket(), Paths.PREFIXES);
    }
}
