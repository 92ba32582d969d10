package io.jvfio.emulator.iommu;

/** The I/O page-table formats a paging domain can use. */
public enum PageTableFormat {
    /**
     * Intel VT-d second stage, 4 levels: 48-bit IOVA, 4 KiB pages, 2 MiB and 1 GiB large pages, a
     * write-dirty bit. Aperture [0, 2^48-1].
     */
    VTD_SECOND_STAGE,
    /**
     * The iommufd selftest mock (MOCK_IOMMUPT_DEFAULT): an AMD-v1-like table with a 2 KiB granule,
     * any power-of-two page from 2 KiB up, aperture [MOCK_APERTURE_START, MOCK_APERTURE_LAST].
     */
    MOCK,
    /**
     * The selftest mock's MOCK_IOMMUPT_HUGE variant: the same table, page sizes limited to 1 MiB
     * (MOCK_HUGE_PAGE_SIZE) and 4 KiB, aperture the whole 38-bit table.
     */
    MOCK_HUGE
}
