package io.jvfio.cli;

import io.jvfio.api.Jvfio;
import io.jvfio.kernel.KernelProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --backend emulated|native}, the option every command that reaches a kernel takes; each
 * command chooses its default ({@link #name}). With {@link PlatformOptions} it opens the API on
 * the chosen backend, booted on the described machine when emulated.
 */
final class BackendOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = "--backend",
            paramLabel = "NAME",
            description = "emulated (Linux 7.2 emulated in this JVM) or native (the real /dev/iommu and /dev/vfio).")
    String backend;

    /** The backend the user named, else {@code otherwise} (null: the API's automatic choice). */
    String name(String otherwise) {
        return backend != null ? backend : otherwise;
    }

    /**
     * Opens the backend called {@code name} (null: the API's choice, or emulated when a machine is
     * described) on {@code platform}'s machine. Usage errors name the problem; a backend that cannot
     * run here is {@link BackendUnusableException}.
     */
    Jvfio open(String otherwise, PlatformOptions platform) {
        String chosen = resolve(otherwise, platform);
        return chosen == null ? Jvfio.open() : Jvfio.open(provider(chosen).open(platform.backendOptions()));
    }

    /**
     * The backend to use: the one named, else {@code otherwise}, else emulated when a machine is
     * described (null: the API's automatic choice). A usage error for a described machine on another
     * backend, which has the devices it has.
     */
    String resolve(String otherwise, PlatformOptions platform) {
        String chosen = name(otherwise);
        if (chosen == null && platform.described()) {
            chosen = "emulated";
        }
        if (chosen != null && !chosen.equals("emulated") && platform.described()) {
            throw new ParameterException(
                    mixee.commandLine(),
                    "--device and --platform describe the emulated machine; the " + chosen
                            + " backend has the devices it has");
        }
        if (chosen != null) {
            provider(chosen);
        }
        return chosen;
    }

    /** The backend called {@code name}; a usage error if there is none, unusable if it cannot run here. */
    KernelProvider provider(String name) {
        KernelProvider provider;
        try {
            provider = KernelProvider.named(name);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), e.getMessage());
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
