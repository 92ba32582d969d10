package io.jvfio.emulator.bus;

/**
 * A {@code notifier_block} on the PCI bus ({@code bus_register_notifier}): told of each device the
 * bus adds after boot (BUS_NOTIFY_ADD_DEVICE, before any driver may bind it). The PCI core adds
 * devices after boot only as VFs.
 */
@FunctionalInterface
public interface BusNotifier {
    /** BUS_NOTIFY_ADD_DEVICE, called with the device lock (the bus's monitor) held. */
    void addDevice(PciDevice dev);
}
