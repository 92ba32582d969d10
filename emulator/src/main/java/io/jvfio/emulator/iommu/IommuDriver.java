package io.jvfio.emulator.iommu;

import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.selftest.IommufdTestConst;

/**
 * The IOMMU driver behind a device ({@code struct iommu_ops}): which page-table format its paging
 * domains use and what GET_HW_INFO reports. Domains attach only to devices of their own driver
 * (attach EINVAL otherwise, which iommufd's automatic domain search treats as "incompatible").
 */
public enum IommuDriver {
    /** Intel VT-d: second-stage tables, IOMMU_HW_INFO_TYPE_INTEL_VTD. */
    INTEL_VTD(PageTableFormat.VTD_SECOND_STAGE, IommuHwInfo.TYPE_INTEL_VTD),
    /** The iommufd selftest's mock IOMMU: IOMMU_HW_INFO_TYPE_SELFTEST. */
    MOCK(PageTableFormat.MOCK, IommufdTestConst.IOMMU_HW_INFO_TYPE_SELFTEST);

    private final PageTableFormat format;
    private final int hwInfoType;

    IommuDriver(PageTableFormat format, int hwInfoType) {
        this.format = format;
        this.hwInfoType = hwInfoType;
    }

    /** The format of the paging domains this driver allocates by default. */
    public PageTableFormat pagingFormat() {
        return format;
    }

    /** {@code enum iommu_hw_info_type} value of this driver. */
    public int hwInfoType() {
        return hwInfoType;
    }

    /**
     * {@code ops->user_pasid_table}: the guest owns the PASID table, so a fault on a PASID with no
     * attachment of its own belongs to the nested domain on the RID (find_fault_handler).
     */
    public boolean userPasidTable() {
        return this == MOCK;
    }

    /** Whether a domain of {@code f} was allocated by this driver. */
    public boolean owns(PageTableFormat f) {
        return switch (this) {
            case INTEL_VTD -> f == PageTableFormat.VTD_SECOND_STAGE;
            case MOCK -> f == PageTableFormat.MOCK || f == PageTableFormat.MOCK_HUGE;
        };
    }
}
