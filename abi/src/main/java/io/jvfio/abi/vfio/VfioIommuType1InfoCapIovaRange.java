package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_type1_info_cap_iova_range}: type1 info capability INFO_CAP_IOVA_RANGE:
 * the {@code nr_iovas} IOVA ranges that can be mapped.
 *
 * <pre>
 *  0  struct vfio_info_cap_header header
 *  8  u32    nr_iovas
 * 12  u32    reserved
 * 16  struct vfio_iova_range iova_ranges[]
 * (16 bytes)
 * </pre>
 */
public final class VfioIommuType1InfoCapIovaRange {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_type1_info_cap_iova_range")
            .struct("header", VfioInfoCapHeader.DEF)
            .u32("nr_iovas")
            .u32("reserved")
            .structArray("iova_ranges", VfioIovaRange.DEF, 0)
            .build();

    public static final Field.Nested HEADER = DEF.nested("header");
    public static final Field.U32 NR_IOVAS = DEF.u32("nr_iovas");
    public static final Field.U32 RESERVED = DEF.u32("reserved");
    public static final Field.Nested IOVA_RANGES = DEF.nested("iova_ranges");

    private VfioIommuType1InfoCapIovaRange() {}
}
