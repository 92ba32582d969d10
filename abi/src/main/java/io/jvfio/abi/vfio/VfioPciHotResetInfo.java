package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_pci_hot_reset_info}: the argument of VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: the
 * devices affected by a hot reset of this one; {@code count} is written back and ENOSPC returned
 * when {@code devices} is too small.
 *
 * <p>The constants are the header's, named without their {@code VFIO_PCI_HOT_RESET_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u32    count
 * 12  struct vfio_pci_dependent_device devices[]
 * (12 bytes; the kernel requires argsz &ge; 12, the end of count)
 * </pre>
 */
public final class VfioPciHotResetInfo {
    public static final StructDef DEF = StructDef.builder("vfio_pci_hot_reset_info")
            .u32("argsz")
            .u32("flags")
            .u32("count")
            .structArray("devices", VfioPciDependentDevice.DEF, 0)
            .minSizeThrough("count")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 COUNT = DEF.u32("count");
    public static final Field.Nested DEVICES = DEF.nested("devices");

    public static final int FLAG_DEV_ID = 1 << 0;
    public static final int FLAG_DEV_ID_OWNED = 1 << 1;

    private VfioPciHotResetInfo() {}
}
