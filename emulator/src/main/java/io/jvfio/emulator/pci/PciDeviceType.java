package io.jvfio.emulator.pci;

import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * A kind of emulated PCI function that a platform description names, as QEMU's {@code -device
 * TYPE,PROP=VALUE,...} names a device type: the device-model SPI (see docs/devices.md). A model
 * registers its type as a service (META-INF/services/io.jvfio.emulator.pci.PciDeviceType), so the
 * emulated kernel finds it without depending on the model's module; each {@link #create} is one new
 * function in its power-on state.
 */
public interface PciDeviceType {
    /** The type's name in a description ("edu", "nvme"); lower case, no commas or spaces. */
    String name();

    /**
     * The properties {@link #create} reads, besides the placement ones every device takes ({@code
     * id}, {@code bus}, {@code addr}); a description giving any other is refused before {@code
     * create} runs.
     */
    Set<String> properties();

    /**
     * A new function configured by {@code properties}; an {@link IllegalArgumentException} whose
     * message names the property and what is wrong with its value for a bad one.
     */
    PciFunction create(DeviceProperties properties);

    /** Every type on the class path, in class-path order. */
    static List<PciDeviceType> all() {
        return ServiceLoader.load(PciDeviceType.class).stream()
                .map(ServiceLoader.Provider::get)
                .toList();
    }
}
