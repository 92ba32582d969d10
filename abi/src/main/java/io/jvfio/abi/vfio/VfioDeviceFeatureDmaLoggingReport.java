package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_feature_dma_logging_report}: the data of device feature
 * FEATURE_DMA_LOGGING_REPORT: fill the user bitmap at {@code bitmap} with the pages of {@code
 * [iova, iova + length)} the device wrote, and clear them.
 *
 * <pre>
 *  0  u64    iova
 *  8  u64    length
 * 16  u64    page_size
 * 24  u64    bitmap
 * (32 bytes)
 * </pre>
 */
public final class VfioDeviceFeatureDmaLoggingReport {
    public static final StructDef DEF = StructDef.builder("vfio_device_feature_dma_logging_report")
            .u64("iova")
            .u64("length")
            .u64("page_size")
            .u64("bitmap")
            .build();

    public static final Field.U64 IOVA = DEF.u64("iova");
    public static final Field.U64 LENGTH = DEF.u64("length");
    public static final Field.U64 PAGE_SIZE = DEF.u64("page_size");
    public static final Field.U64 BITMAP = DEF.u64("bitmap");

    private VfioDeviceFeatureDmaLoggingReport() {}
}
