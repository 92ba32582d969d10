package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_feature_dma_buf}: the data of device feature FEATURE_DMA_BUF: export
 * {@code nr_ranges} ranges of region {@code region_index} as a dma-buf opened with {@code
 * open_flags}.
 *
 * <pre>
 *  0  u32    region_index
 *  4  u32    open_flags
 *  8  u32    flags
 * 12  u32    nr_ranges
 * 16  struct vfio_region_dma_range dma_ranges[]
 * (16 bytes)
 * </pre>
 */
public final class VfioDeviceFeatureDmaBuf {
    public static final StructDef DEF = StructDef.builder("vfio_device_feature_dma_buf")
            .u32("region_index")
            .u32("open_flags")
            .u32("flags")
            .u32("nr_ranges")
            .structArray("dma_ranges", VfioRegionDmaRange.DEF, 0)
            .build();

    public static final Field.U32 REGION_INDEX = DEF.u32("region_index");
    public static final Field.U32 OPEN_FLAGS = DEF.u32("open_flags");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 NR_RANGES = DEF.u32("nr_ranges");
    public static final Field.Nested DMA_RANGES = DEF.nested("dma_ranges");

    private VfioDeviceFeatureDmaBuf() {}
}
