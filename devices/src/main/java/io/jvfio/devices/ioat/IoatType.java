package io.jvfio.devices.ioat;

import io.jvfio.emulator.pci.DeviceProperties;
import io.jvfio.emulator.pci.PciDeviceType;
import io.jvfio.emulator.pci.PciFunction;
import java.util.Set;

/** {@code ioat}: an Intel I/OAT (CBDMA) DMA engine, one channel (no properties besides placement). */
public final class IoatType implements PciDeviceType {
    @Override
    public String name() {
        return "ioat";
    }

    @Override
    public Set<String> properties() {
        return Set.of();
    }

    @Override
    public PciFunction create(DeviceProperties properties) {
        return new IoatDevice(properties.endpointType()).pci();
    }
}
