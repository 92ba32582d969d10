package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_type1_info_dma_avail}: type1 info capability INFO_DMA_AVAIL: how many
 * more DMA mappings the container allows.
 *
 * <pre>
 * 0  struct vfio_info_cap_header header
 * 8  u32    avail
 * (12 bytes)
 * </pre>
 */
public final class VfioIommuType1InfoDmaAvail {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_type1_info_dma_avail")
            .struct("header", VfioInfoCapHeader.DEF)
            .u32("avail")
            .build();

    public static final Field.Nested HEADER = DEF.nested("header");
    public static final Field.U32 AVAIL = DEF.u32("avail");

    private VfioIommuType1InfoDmaAvail() {}
}
