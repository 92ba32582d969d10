package io.jvfio.devices.edu;

import io.jvfio.emulator.pci.DeviceProperties;
import io.jvfio.emulator.pci.PciDeviceType;
import io.jvfio.emulator.pci.PciFunction;
import java.util.Set;

/** {@code edu}: QEMU's educational device (no properties besides the placement ones). */
public final class EduType implements PciDeviceType {
    @Override
    public String name() {
        return "edu";
    }

    @Override
    public Set<String> properties() {
        return Set.of();
    }

    @Override
    public PciFunction create(DeviceProperties properties) {
        return new EduDevice().pci();
    }
}
