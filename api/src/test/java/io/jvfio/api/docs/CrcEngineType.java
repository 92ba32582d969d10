package io.jvfio.api.docs;

import io.jvfio.emulator.pci.DeviceProperties;
import io.jvfio.emulator.pci.PciDeviceType;
import io.jvfio.emulator.pci.PciFunction;
import java.util.Set;

// docs:begin crc-type
/** {@code --device crc32}: registered in META-INF/services/io.jvfio.emulator.pci.PciDeviceType. */
public final class CrcEngineType implements PciDeviceType {
    @Override
    public String name() {
        return "crc32";
    }

    @Override
    public Set<String> properties() {
        return Set.of(); // none besides id, bus and addr
    }

    @Override
    public PciFunction create(DeviceProperties properties) {
        return new CrcEngine().pci();
    }
}
// docs:end crc-type
