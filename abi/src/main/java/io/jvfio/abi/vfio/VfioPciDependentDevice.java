package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_pci_dependent_device}: one device that a PCI hot reset would also reset, the
 * element of VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: its group ID, or with FLAG_DEV_ID its iommufd
 * device ID (DEVID_OWNED / DEVID_NOT_OWNED when it has none).
 *
 * <p>The constants are the header's, named without their {@code VFIO_PCI_} prefix.
 *
 * <pre>
 * 0  u32    group_id
 * 0  u32    devid
 * 4  u16    segment
 * 6  u8     bus
 * 7  u8     devfn
 * (8 bytes)
 * </pre>
 */
public final class VfioPciDependentDevice {
    public static final StructDef DEF = StructDef.builder("vfio_pci_dependent_device")
            .anonymous(StructDef.anonymousUnion().u32("group_id").u32("devid").build())
            .u16("segment")
            .u8("bus")
            .u8("devfn")
            .build();

    public static final Field.U32 GROUP_ID = DEF.u32("group_id");
    public static final Field.U32 DEVID = DEF.u32("devid");
    public static final Field.U16 SEGMENT = DEF.u16("segment");
    public static final Field.U8 BUS = DEF.u8("bus");
    public static final Field.U8 DEVFN = DEF.u8("devfn");

    public static final int DEVID_OWNED = 0;
    public static final int DEVID_NOT_OWNED = -1;

    private VfioPciDependentDevice() {}
}
