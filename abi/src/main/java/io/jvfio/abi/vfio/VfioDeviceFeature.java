package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_feature}: the argument of VFIO_DEVICE_FEATURE: get, set or probe the
 * feature whose index is in the low 16 bits of {@code flags}; the feature's own struct follows in
 * {@code data}.
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_} prefix.
 *
 * <pre>
 * 0  u32    argsz
 * 4  u32    flags
 * 8  u8     data[]
 * (8 bytes; the kernel requires argsz &ge; 8, the end of flags)
 * </pre>
 */
public final class VfioDeviceFeature {
    public static final StructDef DEF = StructDef.builder("vfio_device_feature")
            .u32("argsz")
            .u32("flags")
            .u8Array("data", 0)
            .minSizeThrough("flags")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.Bytes DATA = DEF.array("data");

    public static final int FEATURE_MASK = 0xffff;
    public static final int FEATURE_GET = 1 << 16;
    public static final int FEATURE_SET = 1 << 17;
    public static final int FEATURE_PROBE = 1 << 18;
    public static final int FEATURE_PCI_VF_TOKEN = 0;
    public static final int FEATURE_MIGRATION = 1;
    public static final int FEATURE_MIG_DEVICE_STATE = 2;
    public static final int FEATURE_LOW_POWER_ENTRY = 3;
    public static final int FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP = 4;
    public static final int FEATURE_LOW_POWER_EXIT = 5;
    public static final int FEATURE_DMA_LOGGING_START = 6;
    public static final int FEATURE_DMA_LOGGING_STOP = 7;
    public static final int FEATURE_DMA_LOGGING_REPORT = 8;
    public static final int FEATURE_MIG_DATA_SIZE = 9;
    public static final int FEATURE_BUS_MASTER = 10;
    public static final int FEATURE_DMA_BUF = 11;
    public static final int FEATURE_MIG_PRECOPY_INFOv2 = 12;

    private VfioDeviceFeature() {}
}
