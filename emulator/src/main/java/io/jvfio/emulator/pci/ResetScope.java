package io.jvfio.emulator.pci;

import java.util.List;

/**
 * What a hot reset of a function would touch: a slot reset when the function sits in a hot-plug
 * slot, else a secondary bus reset of its parent bridge; in both cases every function below,
 * in enumeration order. The bridge itself is not reset.
 */
public record ResetScope(Kind kind, PciAddress bridge, List<PciAddress> devices) {
    public enum Kind {
        SLOT,
        BUS
    }

    public ResetScope {
        devices = List.copyOf(devices);
    }
}
