package io.jvfio.emulator.iommufd;

/**
 * What the io_pagetable needs from an IOMMU domain (a HWPT's page table): its geometry and
 * page sizes, and map/unmap of IOVA ranges onto host memory. Part 2's HWPTs and the mock IOMMU
 * implement it; {@link IoPagetable#addDomain} fills a domain with every area, pinning pages only
 * when no other domain holds them yet.
 *
 * <p>Host addresses are addresses in this process: pinned user pages at their own address, file
 * pages in a shared mapping of the file.
 */
interface IoptDomain {
    /** Bit n set: pages of 2^n bytes are supported. The lowest bit is the domain's IOVA alignment. */
    long pgsizeBitmap();

    /** First IOVA the domain can translate. */
    long apertureStart();

    /** Last IOVA the domain can translate (inclusive; -1 for ULONG_MAX). */
    long apertureEnd();

    /** Maps [iova, iova+length) to host memory at {@code hostAddress}; an ErrnoException leaves nothing mapped. */
    void map(long iova, long hostAddress, long length, int prot);

    /** Unmaps [iova, iova+length); never fails. */
    void unmap(long iova, long length);
}
