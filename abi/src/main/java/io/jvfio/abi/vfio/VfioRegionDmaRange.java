package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_region_dma_range}: one range of a region to export, the element of
 * FEATURE_DMA_BUF.
 *
 * <pre>
 * 0  u64    offset
 * 8  u64    length
 * (16 bytes)
 * </pre>
 */
public final class VfioRegionDmaRange {
    public static final StructDef DEF = StructDef.builder("vfio_region_dma_range")
            .u64("offset")
            .u64("length")
            .build();

    public static final Field.U64 OFFSET = DEF.u64("offset");
    public static final Field.U64 LENGTH = DEF.u64("length");

    private VfioRegionDmaRange() {}
}
