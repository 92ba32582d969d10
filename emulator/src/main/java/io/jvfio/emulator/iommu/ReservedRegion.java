package io.jvfio.emulator.iommu;

/**
 * IOVA that devices behind an IOMMU must not have mapped (the kernel's iommu_resv_region), both
 * ends inclusive. iommufd reserves these in every IOAS a device attaches to.
 */
public record ReservedRegion(long start, long last, Type type) {
    /** The x86 interrupt window: DMA writes there are MSIs, never translated (IOMMU_RESV_MSI). */
    public static final ReservedRegion X86_MSI = new ReservedRegion(0xfee0_0000L, 0xfeef_ffffL, Type.MSI);

    public enum Type {
        /** Hardware MSI window (IOMMU_RESV_MSI). */
        MSI
    }
}
