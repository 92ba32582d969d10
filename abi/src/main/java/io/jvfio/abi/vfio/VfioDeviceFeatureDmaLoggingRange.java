package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_feature_dma_logging_range}: one IOVA range to track, the element of
 * the array {@code vfio_device_feature_dma_logging_control.ranges} points to.
 *
 * <pre>
 * 0  u64    iova
 * 8  u64    length
 * (16 bytes)
 * </pre>
 */
public final class VfioDeviceFeatureDmaLoggingRange {
    public static final StructDef DEF = StructDef.builder("vfio_device_feature_dma_logging_range")
            .u64("iova")
            .u64("length")
            .build();

    public static final Field.U64 IOVA = DEF.u64("iova");
    public static final Field.U64 LENGTH = DEF.u64("length");

    private VfioDeviceFeatureDmaLoggingRange() {}
}
