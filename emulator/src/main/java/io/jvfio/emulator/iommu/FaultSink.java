package io.jvfio.emulator.iommu;

/**
 * Receives every IOMMU fault (the iommufd fault queue plugs in here). Called on the faulting
 * device's thread after the DMA gave up its hold on the domain, so it may call back into the domain.
 */
@FunctionalInterface
public interface FaultSink {
    void fault(IommuFault fault);
}
