package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_feature_bus_master}: the data of device feature FEATURE_BUS_MASTER:
 * set or clear PCI bus mastering.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_FEATURE_} prefix.
 *
 * <pre>
 * 0  u32    op
 * (4 bytes)
 * </pre>
 */
public final class VfioDeviceFeatureBusMaster {
    public static final StructDef DEF =
            StructDef.builder("vfio_device_feature_bus_master").u32("op").build();

    public static final Field.U32 OP = DEF.u32("op");

    public static final int CLEAR_MASTER = 0;
    public static final int SET_MASTER = 1;

    private VfioDeviceFeatureBusMaster() {}
}
