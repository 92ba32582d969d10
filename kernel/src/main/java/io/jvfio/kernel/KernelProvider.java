package io.jvfio.kernel;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A way to get a kernel: each backend registers one through {@link ServiceLoader}, so code above the
 * boundary (typed API, conformance suite, CLI) chooses a backend by name without depending on its
 * implementation module.
 */
public interface KernelProvider {
    /** "emulated" or "native". */
    String name();

    /** Whether this backend can work here (the native one needs /dev/iommu). */
    boolean available();

    /**
     * A kernel to use. The emulated backend returns a fresh, isolated kernel on every call; the native
     * backend returns the one real kernel.
     */
    Kernel open();

    /**
     * A kernel configured by backend-specific {@code options} (the emulated backend's "platform":
     * a machine description). IllegalArgumentException naming an option the backend does not take,
     * or a value it refuses; with no options, {@link #open()}.
     */
    default Kernel open(Map<String, String> options) {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException(
                    "the " + name() + " backend takes no options (given: " + String.join(", ", options.keySet()) + ")");
        }
        return open();
    }

    /** Every provider on the class path, in class-path order. */
    static List<KernelProvider> all() {
        return ServiceLoader.load(KernelProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
    }

    /** The provider called {@code name}; IllegalArgumentException naming the known ones if none is. */
    static KernelProvider named(String name) {
        List<KernelProvider> all = all();
        return all.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backend '" + name + "' (known: "
                        + String.join(
                                ", ", all.stream().map(KernelProvider::name).toList()) + ")"));
    }
}
