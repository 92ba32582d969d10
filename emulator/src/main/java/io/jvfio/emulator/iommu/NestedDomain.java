package io.jvfio.emulator.iommu;

/**
 * A nested domain (IOMMU_DOMAIN_NESTED): a VT-d first-stage table that lives in a parent paging
 * domain's IOVA space, translating device addresses to the parent's IOVAs, which the parent then
 * translates (the second stage). Every read of a first-stage table goes through the parent; the
 * hardware sets the accessed bit of every first-stage entry a translation used and the dirty bit
 * of a leaf it wrote through. The IOTLB caches the combined translation until {@link #invalidate}
 * (what HWPT_INVALIDATE with IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 does) or until the parent unmaps
 * anything (strict: the cached translation, or the table it came from, may have gone).
 */
public interface NestedDomain extends Domain {
    /**
     * The first stage {@code s1} on {@code parent}, which must be a VT-d {@link
     * IommuDomain#nestParent()} domain; {@code firstStage1GiB} is the allocating unit's FL1GP (a
     * 1 GiB first-stage leaf is otherwise a reserved-bit fault). The driver's checks are the
     * caller's (iommufd's HWPT allocation); the parent cannot be freed while this exists (EBUSY).
     */
    static NestedDomain allocVtd(IommuDomain parent, VtdStage1 s1, boolean firstStage1GiB) {
        return new VtdNestedDomain((PagingDomain) parent, s1, firstStage1GiB);
    }

    IommuDomain parent();

    VtdStage1 stage1();

    /**
     * Invalidates the first stage's cached translations of [first, last] in every IOMMU a device
     * using this domain sits behind (the PASID-based IOTLB invalidation); when it returns, no DMA
     * uses a translation of the range cached before, and none is still copying through one.
     */
    void invalidate(long first, long last);
}
