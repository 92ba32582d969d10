package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_feature_dma_logging_control}: the data of device feature
 * FEATURE_DMA_LOGGING_START: track device DMA writes at {@code page_size} granularity over the
 * {@code num_ranges} ranges at user address {@code ranges}.
 *
 * <pre>
 *  0  u64    page_size
 *  8  u32    num_ranges
 * 12  u32    __reserved
 * 16  u64    ranges
 * (24 bytes)
 * </pre>
 */
public final class VfioDeviceFeatureDmaLoggingControl {
    public static final StructDef DEF = StructDef.builder("vfio_device_feature_dma_logging_control")
            .u64("page_size")
            .u32("num_ranges")
            .u32("__reserved")
            .u64("ranges")
            .build();

    public static final Field.U64 PAGE_SIZE = DEF.u64("page_size");
    public static final Field.U32 NUM_RANGES = DEF.u32("num_ranges");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.U64 RANGES = DEF.u64("ranges");

    private VfioDeviceFeatureDmaLoggingControl() {}
}
