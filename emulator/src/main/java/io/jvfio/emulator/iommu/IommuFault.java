package io.jvfio.emulator.iommu;

/**
 * One refused DMA, as the IOMMU records it.
 *
 * @param deviceId the device that issued the DMA (its id given to {@link Iommu#addDevice})
 * @param domainId the domain it was attached to, 0 when blocked
 * @param iova the first IOVA of the transfer that could not be translated
 * @param access read or write
 * @param reason why
 */
public record IommuFault(int deviceId, int domainId, long iova, Access access, FaultReason reason) {}
