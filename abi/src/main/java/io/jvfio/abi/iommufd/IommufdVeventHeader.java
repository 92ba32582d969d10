package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommufd_vevent_header}: the header before each virtual event read() from a vEVENTQ
 * fd (and the whole record of a lost-events marker).
 *
 * <p>The constants are the header's, named without their {@code IOMMU_VEVENTQ_} prefix.
 *
 * <pre>
 * 0  u32    flags
 * 4  u32    sequence
 * (8 bytes)
 * </pre>
 */
public final class IommufdVeventHeader {
    public static final StructDef DEF = StructDef.builder("iommufd_vevent_header")
            .u32("flags")
            .u32("sequence")
            .build();

    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 SEQUENCE = DEF.u32("sequence");

    /** {@code enum iommu_veventq_flag}. */
    public static final int FLAG_LOST_EVENTS = 1 << 0;

    private IommufdVeventHeader() {}
}
