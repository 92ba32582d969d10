package io.jvfio.emulator.iommu;

/**
 * A VT-d first-stage table configuration ({@code struct iommu_hwpt_vtd_s1}): where the table is
 * in the parent domain's IOVA space and how the first stage behaves.
 *
 * @param flags {@code IOMMU_VTD_S1_SRE}, {@code _EAFE}, {@code _WPE} (io.jvfio.abi.iommufd.IommuHwptVtdS1)
 * @param pgtblAddr the root table's address in the parent's IOVA space (the guest physical address)
 * @param addrWidth 48 (4-level paging) or 57 (5-level); anything else is refused at attach
 */
public record VtdStage1(long flags, long pgtblAddr, int addrWidth) {
    /** ADDR_WIDTH_4LEVEL. */
    public static final int ADDR_WIDTH_4LEVEL = 48;
    /** ADDR_WIDTH_5LEVEL. */
    public static final int ADDR_WIDTH_5LEVEL = 57;
}
