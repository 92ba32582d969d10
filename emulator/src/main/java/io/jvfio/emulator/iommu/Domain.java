package io.jvfio.emulator.iommu;

import java.util.function.Consumer;

/**
 * What a device attaches to (the kernel's {@code struct iommu_domain} of any type): a paging
 * domain ({@link IommuDomain}) or a nested one ({@link NestedDomain}). Only domains made by this
 * package's factories can be attached.
 */
public interface Domain extends AutoCloseable {
    /** Unique id, non-zero; fault records and the IOTLB name the domain by it (VT-d's DID). */
    int id();

    /**
     * {@code domain->iopf_handler}: where page requests of PRI-capable devices attached to this
     * domain go (iommufd sets it for a HWPT allocated with a fault queue); null for none.
     */
    void setIopfHandler(Consumer<PageRequest> handler);

    /** The iopf handler, or null. */
    Consumer<PageRequest> iopfHandler();

    /**
     * The physical address iova translates to now, 0 when it does not translate (iova_to_phys;
     * for a nested domain through both stages, without touching accessed or dirty bits).
     */
    long iovaToPhys(long iova);

    /** Frees the domain. EBUSY while devices are attached. */
    @Override
    void close();
}
