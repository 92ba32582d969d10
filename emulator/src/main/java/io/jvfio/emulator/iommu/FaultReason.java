package io.jvfio.emulator.iommu;

/** Why the IOMMU refused a DMA. */
public enum FaultReason {
    /** The device is attached to no domain (the blocking domain): all DMA is refused. */
    BLOCKED,
    /** The IOVA lies outside the domain's aperture. */
    OUT_OF_APERTURE,
    /** No translation: the IOVA is not mapped. */
    NOT_PRESENT,
    /** Mapped, but without the permission the access needs (a write to a read-only page). */
    PERMISSION
}
