package io.jvfio.emulator.iommu;

/**
 * One refused DMA, as the IOMMU records it.
 *
 * @param deviceId the device that issued the DMA (its id given to {@link Iommu#addDevice})
 * @param domainId the domain it was attached to, 0 when blocked
 * @param iova the first IOVA of the transfer that could not be translated
 * @param access read or write
 * @param reason why
 * @param stage which translation refused it: {@link #STAGE_NONE} (blocked), {@link #STAGE_FIRST}
 *     (a nested domain's first stage: its tables, entries or permissions) or {@link #STAGE_PAGING}
 *     (a paging domain's table, or a nested domain's parent: a first-stage table page or the
 *     output address not mapped there), as VT-d's fault reasons tell first-stage (SFS) from
 *     second-stage (SSS) faults
 */
public record IommuFault(int deviceId, int domainId, long iova, Access access, FaultReason reason, int stage) {
    public static final int STAGE_NONE = 0;
    public static final int STAGE_FIRST = 1;
    public static final int STAGE_PAGING = 2;

    /** A fault of a paging domain, or of a blocked device ({@link FaultReason#BLOCKED}). */
    public IommuFault(int deviceId, int domainId, long iova, Access access, FaultReason reason) {
        this(deviceId, domainId, iova, access, reason, reason == FaultReason.BLOCKED ? STAGE_NONE : STAGE_PAGING);
    }
}
