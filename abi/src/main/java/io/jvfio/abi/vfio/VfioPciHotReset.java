package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_pci_hot_reset}: the argument of VFIO_DEVICE_PCI_HOT_RESET: reset the slot or
 * bus, proving ownership of every affected device with {@code count} group fds (or, with none,
 * through the iommufd the device is bound to).
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    count
 * 12  u32    group_fds[]
 * (12 bytes; the kernel requires argsz &ge; 12, the end of count)
 * </pre>
 */
public final class VfioPciHotReset {
    public static final StructDef DEF = StructDef.builder("vfio_pci_hot_reset")
            .u32("argsz")
            .u32("flags")
            .u32("count")
            .u32Array("group_fds", 0)
            .minSizeThrough("count")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 COUNT = DEF.u32("count");
    public static final Field.Bytes GROUP_FDS = DEF.array("group_fds");

    private VfioPciHotReset() {}
}
