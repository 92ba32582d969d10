package io.jvfio.abi.vfio;

/**
 * The constants of linux/vfio.h that belong to no one struct: the API version, the IOMMU backend
 * (extension) numbers of VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU, the device API names, and the
 * fixed region and IRQ indexes of each bus driver.
 */
public final class VfioConst {

    public static final int VFIO_PCI_BAR0_REGION_INDEX = 0;
    public static final int VFIO_PCI_BAR1_REGION_INDEX = 1;
    public static final int VFIO_PCI_BAR2_REGION_INDEX = 2;
    public static final int VFIO_PCI_BAR3_REGION_INDEX = 3;
    public static final int VFIO_PCI_BAR4_REGION_INDEX = 4;
    public static final int VFIO_PCI_BAR5_REGION_INDEX = 5;
    public static final int VFIO_PCI_ROM_REGION_INDEX = 6;
    public static final int VFIO_PCI_CONFIG_REGION_INDEX = 7;
    public static final int VFIO_PCI_VGA_REGION_INDEX = 8;
    public static final int VFIO_PCI_NUM_REGIONS = 9;
    public static final int VFIO_PCI_INTX_IRQ_INDEX = 0;
    public static final int VFIO_PCI_MSI_IRQ_INDEX = 1;
    public static final int VFIO_PCI_MSIX_IRQ_INDEX = 2;
    public static final int VFIO_PCI_ERR_IRQ_INDEX = 3;
    public static final int VFIO_PCI_REQ_IRQ_INDEX = 4;
    public static final int VFIO_PCI_NUM_IRQS = 5;
    public static final int VFIO_CCW_CONFIG_REGION_INDEX = 0;
    public static final int VFIO_CCW_NUM_REGIONS = 1;
    public static final int VFIO_CCW_IO_IRQ_INDEX = 0;
    public static final int VFIO_CCW_CRW_IRQ_INDEX = 1;
    public static final int VFIO_CCW_REQ_IRQ_INDEX = 2;
    public static final int VFIO_CCW_NUM_IRQS = 3;
    public static final int VFIO_AP_REQ_IRQ_INDEX = 0;
    public static final int VFIO_AP_CFG_CHG_IRQ_INDEX = 1;
    public static final int VFIO_AP_NUM_IRQS = 2;
    public static final int VFIO_API_VERSION = 0;
    public static final int VFIO_TYPE1_IOMMU = 1;
    public static final int VFIO_SPAPR_TCE_IOMMU = 2;
    public static final int VFIO_TYPE1v2_IOMMU = 3;
    public static final int VFIO_DMA_CC_IOMMU = 4;
    public static final int VFIO_EEH = 5;
    public static final int __VFIO_RESERVED_TYPE1_NESTING_IOMMU = 6;
    public static final int VFIO_SPAPR_TCE_v2_IOMMU = 7;
    public static final int VFIO_NOIOMMU_IOMMU = 8;
    public static final int VFIO_UNMAP_ALL = 9;
    public static final int VFIO_UPDATE_VADDR = 10;
    public static final String VFIO_DEVICE_API_PCI_STRING = "vfio-pci";
    public static final String VFIO_DEVICE_API_PLATFORM_STRING = "vfio-platform";
    public static final String VFIO_DEVICE_API_AMBA_STRING = "vfio-amba";
    public static final String VFIO_DEVICE_API_CCW_STRING = "vfio-ccw";
    public static final String VFIO_DEVICE_API_AP_STRING = "vfio-ap";

    private VfioConst() {}
}
