package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_feature_mig_data_size}: the data of device feature
 * FEATURE_MIG_DATA_SIZE: an estimate of the bytes the STOP_COPY state will produce.
 *
 * <pre>
 * 0  u64    stop_copy_length
 * (8 bytes)
 * </pre>
 */
public final class VfioDeviceFeatureMigDataSize {
    public static final StructDef DEF = StructDef.builder("vfio_device_feature_mig_data_size")
            .u64("stop_copy_length")
            .build();

    public static final Field.U64 STOP_COPY_LENGTH = DEF.u64("stop_copy_length");

    private VfioDeviceFeatureMigDataSize() {}
}
