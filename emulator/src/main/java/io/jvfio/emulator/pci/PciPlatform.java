package io.jvfio.emulator.pci;

import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * A machine's PCI hardware as the emulated kernel finds it at boot. The devices layer provides
 * platforms as services (META-INF/services), since the emulated kernel may not depend on it; each
 * lookup builds a fresh machine, with devices in their power-on state.
 */
public interface PciPlatform {
    /** The name a kernel asks for, such as "default". */
    String name();

    PciTopology topology();

    /** A new instance of the platform called {@code name}, from the services on the class path. */
    static PciPlatform load(String name) {
        ServiceLoader<PciPlatform> loader = ServiceLoader.load(PciPlatform.class);
        for (PciPlatform p : loader) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        String known = loader.stream()
                .map(ServiceLoader.Provider::type)
                .map(Class::getName)
                .collect(Collectors.joining(", "));
        throw new IllegalArgumentException("no PCI platform \"" + name + "\" (platform classes found: "
                + (known.isEmpty() ? "none" : known) + ")");
    }
}
