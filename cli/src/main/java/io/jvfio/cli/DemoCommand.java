package io.jvfio.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** jvfio demo: the main job, the whole device path on the default emulated platform. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run the device passthrough demo (edu DMA, NVMe I/O).")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--native",
            description = "Run against the real kernel (/dev/iommu, /dev/vfio) instead of the emulation.")
    boolean nativeBackend;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.println("jvfio demo (" + (nativeBackend ? "native" : "emulated") + " backend)");
        out.println("Not there yet: the emulated platform and its devices (edu, NVMe) are still being built;");
        out.println("the demo will find, bind, attach and drive them once they land.");
        return 0;
    }
}
