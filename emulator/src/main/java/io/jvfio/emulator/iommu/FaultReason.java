package io.jvfio.emulator.iommu;

/** Why the IOMMU refused a DMA. */
public enum FaultReason {
    /** The device is attached to no domain (the blocking domain): all DMA is refused. */
    BLOCKED,
    /** The IOVA lies outside the domain's aperture (for a first stage: is not canonical). */
    OUT_OF_APERTURE,
    /** No translation: the IOVA is not mapped. */
    NOT_PRESENT,
    /**
     * Mapped, but without the permission the access needs (a write to a read-only page; in a first
     * stage also a page without the user bit, since DMA without PASID is a user-mode request).
     */
    PERMISSION,
    /**
     * A first-stage entry with a reserved bit set: a large-page bit where the hardware has no such
     * page (1 GiB without FL1GP, or at the top level).
     */
    RESERVED_BIT
}
