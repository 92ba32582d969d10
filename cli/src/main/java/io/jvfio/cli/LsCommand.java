package io.jvfio.cli;

import io.jvfio.api.Jvfio;
import io.jvfio.api.PciDevices.PciDevice;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** jvfio ls: PCI devices with their drivers, IOMMU groups and VFIO nodes, as sysfs shows them. */
@Command(
        name = "ls",
        mixinStandardHelpOptions = true,
        description = {
            "List PCI devices with driver, IOMMU group, /dev/vfio/N and VFIO cdev (like lspci with groups).",
            "Backend: native if /dev/iommu is usable here, else emulated (always emulated for --device/--platform)."
        })
final class LsCommand implements Callable<Integer> {
    private static final String ROW = "%-13s %-10s %-31s %-10s %5s  %-11s %s%n";

    @Spec
    CommandSpec spec;

    /** Default: native if /dev/iommu is usable here, else emulated (emulated for a described machine). */
    @Mixin
    BackendOptions backend;

    @Mixin
    PlatformOptions platform;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Jvfio jvfio = backend.open(null, platform)) {
            List<PciDevice> devices = jvfio.pciDevices();
            out.println("backend: " + jvfio.backend());
            if (devices.isEmpty()) {
                out.println("no PCI devices in /sys/bus/pci/devices");
                return UserError.OK;
            }
            out.printf(Locale.ROOT, ROW, "BDF", "ID", "CLASS", "DRIVER", "GROUP", "GROUP DEV", "CDEV");
            for (PciDevice d : devices) {
                out.printf(
                        Locale.ROOT,
                        ROW,
                        d.bdf(),
                        String.format(Locale.ROOT, "%04x:%04x", d.vendor(), d.device()),
                        d.className(),
                        d.driver().orElse("-"),
                        d.iommuGroup().isPresent()
                                ? Integer.toString(d.iommuGroup().getAsInt())
                                : "-",
                        d.groupDev().orElse("-"),
                        d.cdev().orElse("-"));
            }
            out.flush();
            return UserError.OK;
        }
    }
}
