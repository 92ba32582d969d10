package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_feature_migration}: the data of device feature FEATURE_MIGRATION
 * (GET): which migration flows the device supports.
 *
 * <p>The constants are the header's, named without their {@code VFIO_} prefix.
 *
 * <pre>
 * 0  u64    flags
 * (8 bytes)
 * </pre>
 */
public final class VfioDeviceFeatureMigration {
    public static final StructDef DEF =
            StructDef.builder("vfio_device_feature_migration").u64("flags").build();

    public static final Field.U64 FLAGS = DEF.u64("flags");

    public static final int MIGRATION_STOP_COPY = 1 << 0;
    public static final int MIGRATION_P2P = 1 << 1;
    public static final int MIGRATION_PRE_COPY = 1 << 2;

    private VfioDeviceFeatureMigration() {}
}
