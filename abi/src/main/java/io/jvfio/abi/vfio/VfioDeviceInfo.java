package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_info}: the argument of VFIO_DEVICE_GET_INFO: the device type flags,
 * how many regions and IRQ indexes it has and, with FLAGS_CAPS, a capability chain at {@code
 * cap_offset} (argsz is raised when the chain does not fit).
 *
 * <p>The constants are the header's, named without their {@code VFIO_DEVICE_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    num_regions
 * 12  u32    num_irqs
 * 16  u32    cap_offset
 * 20  u32    pad
 * (24 bytes; the kernel requires argsz &ge; 16, the end of num_irqs)
 * </pre>
 */
public final class VfioDeviceInfo {
    public static final StructDef DEF = StructDef.builder("vfio_device_info")
            .u32("argsz")
            .u32("flags")
            .u32("num_regions")
            .u32("num_irqs")
            .u32("cap_offset")
            .u32("pad")
            .minSizeThrough("num_irqs")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 NUM_REGIONS = DEF.u32("num_regions");
    public static final Field.U32 NUM_IRQS = DEF.u32("num_irqs");
    public static final Field.U32 CAP_OFFSET = DEF.u32("cap_offset");
    public static final Field.U32 PAD = DEF.u32("pad");

    public static final int FLAGS_RESET = 1 << 0;
    public static final int FLAGS_PCI = 1 << 1;
    public static final int FLAGS_PLATFORM = 1 << 2;
    public static final int FLAGS_AMBA = 1 << 3;
    public static final int FLAGS_CCW = 1 << 4;
    public static final int FLAGS_AP = 1 << 5;
    public static final int FLAGS_FSL_MC = 1 << 6;
    public static final int FLAGS_CAPS = 1 << 7;
    public static final int FLAGS_CDX = 1 << 8;
    public static final int INFO_CAP_ZPCI_BASE = 1;
    public static final int INFO_CAP_ZPCI_GROUP = 2;
    public static final int INFO_CAP_ZPCI_UTIL = 3;
    public static final int INFO_CAP_ZPCI_PFIP = 4;
    public static final int INFO_CAP_PCI_ATOMIC_COMP = 5;

    private VfioDeviceInfo() {}
}
