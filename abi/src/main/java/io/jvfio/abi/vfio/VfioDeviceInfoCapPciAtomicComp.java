package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_info_cap_pci_atomic_comp}: device info capability
 * INFO_CAP_PCI_ATOMIC_COMP: which PCIe AtomicOp completer sizes the root port supports.
 *
 * <p>The constants are the header's, named without their {@code VFIO_PCI_} prefix.
 *
 * <pre>
 *  0  struct vfio_info_cap_header header
 *  8  u32    flags
 * 12  u32    reserved
 * (16 bytes)
 * </pre>
 */
public final class VfioDeviceInfoCapPciAtomicComp {
    public static final StructDef DEF = StructDef.builder("vfio_device_info_cap_pci_atomic_comp")
            .struct("header", VfioInfoCapHeader.DEF)
            .u32("flags")
            .u32("reserved")
            .build();

    public static final Field.Nested HEADER = DEF.nested("header");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 RESERVED = DEF.u32("reserved");

    public static final int ATOMIC_COMP32 = 1 << 0;
    public static final int ATOMIC_COMP64 = 1 << 1;
    public static final int ATOMIC_COMP128 = 1 << 2;

    private VfioDeviceInfoCapPciAtomicComp() {}
}
