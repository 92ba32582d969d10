package io.jvfio.conformance;

import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import org.junit.jupiter.api.Assumptions;

/**
 * The backend a conformance run targets: system property {@code jvfio.backend} ("emulated", the
 * default, or "native"). The same test classes run on both; a rule observable on one backend only
 * says so with {@link #assumeEmulated} or {@link #assumeNative}.
 */
public final class Backend {
    public static final String PROPERTY = "jvfio.backend";

    private Backend() {}

    public static String name() {
        return System.getProperty(PROPERTY, "emulated");
    }

    /**
     * Whether the kernel under test is the emulated one: in this JVM, or served to it by a running
     * {@code jvfio serve} (the "served" backend, one kernel shared by every test, as the real one is).
     */
    public static boolean isEmulated() {
        return name().equals("emulated") || name().equals("served");
    }

    /** A kernel for one test: a fresh emulated kernel, or the real one. */
    public static Kernel open() {
        return KernelProvider.named(name()).open();
    }

    public static void assumeEmulated(String why) {
        Assumptions.assumeTrue(isEmulated(), "emulated backend only: " + why);
    }

    public static void assumeNative(String why) {
        Assumptions.assumeFalse(isEmulated(), "native backend only: " + why);
    }
}
