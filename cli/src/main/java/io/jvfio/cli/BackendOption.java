package io.jvfio.cli;

import io.jvfio.api.Jvfio;
import io.jvfio.kernel.KernelProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Opening a backend by name, with the usage and "not usable here" errors every command shares. */
final class BackendOption {
    private BackendOption() {}

    /** Opens {@code name}, or the API's automatic choice when null. */
    static Jvfio open(CommandSpec spec, String name) {
        return name == null ? Jvfio.open() : Jvfio.open(provider(spec, name).open());
    }

    /** The backend called {@code name}; a usage error if there is none, unusable if it cannot run here. */
    static KernelProvider provider(CommandSpec spec, String name) {
        KernelProvider provider;
        try {
            provider = KernelProvider.named(name);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!provider.available()) {
            throw new BackendUnusableException(name);
        }
        return provider;
    }

    /** The named backend cannot run here (no /dev/iommu, no permission). */
    static final class BackendUnusableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BackendUnusableException(String name) {
            super("the " + name + " backend is not usable here"
                    + (name.equals("native") ? " (/dev/iommu missing or no permission)" : ""));
        }
    }
}
