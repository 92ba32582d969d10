package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_type1_info}: the argument of VFIO_IOMMU_GET_INFO on a type1 container:
 * the supported IOMMU page sizes and a capability chain at {@code cap_offset}.
 *
 * <p>The constants are the header's, named without their {@code VFIO_IOMMU_TYPE1_} or {@code VFIO_IOMMU_} prefix.
 *
 * <pre>
 *  0  u32    argsz
 *  4  u32    flags
 *  8  u64    iova_pgsizes
 * 16  u32    cap_offset
 * 20  u32    pad
 * (24 bytes; the kernel requires argsz &ge; 16, the end of iova_pgsizes)
 * </pre>
 */
public final class VfioIommuType1Info {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_type1_info")
            .u32("argsz")
            .u32("flags")
            .u64("iova_pgsizes")
            .u32("cap_offset")
            .u32("pad")
            .minSizeThrough("iova_pgsizes")
            .build();

    public static final Field.U32 ARGSZ = DEF.u32("argsz");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U64 IOVA_PGSIZES = DEF.u64("iova_pgsizes");
    public static final Field.U32 CAP_OFFSET = DEF.u32("cap_offset");
    public static final Field.U32 PAD = DEF.u32("pad");

    public static final int INFO_PGSIZES = 1 << 0;
    public static final int INFO_CAPS = 1 << 1;
    public static final int INFO_CAP_IOVA_RANGE = 1;
    public static final int INFO_CAP_MIGRATION = 2;
    public static final int INFO_DMA_AVAIL = 3;

    private VfioIommuType1Info() {}
}
