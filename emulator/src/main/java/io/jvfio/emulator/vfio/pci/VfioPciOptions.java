package io.jvfio.emulator.vfio.pci;

/**
 * vfio-pci's module parameters ({@code /sys/module/vfio_pci/parameters}). Linux 7.2 latches them
 * per device when the device is initialised (vfio_pci_init_dev).
 */
public record VfioPciOptions(boolean disableIdleD3, boolean disableVga, boolean nointxmask) {
    public static final VfioPciOptions DEFAULTS = new VfioPciOptions(false, false, false);
}
