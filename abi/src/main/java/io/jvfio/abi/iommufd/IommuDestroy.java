package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_destroy}: the argument of IOMMU_DESTROY: destroy the object with ID {@code
 * id} (any kind).
 *
 * <pre>
 * 0  u32    size
 * 4  u32    id
 * (8 bytes; the kernel requires size &ge; 8, the end of id)
 * </pre>
 */
public final class IommuDestroy {
    public static final StructDef DEF = StructDef.builder("iommu_destroy")
            .u32("size")
            .u32("id")
            .minSizeThrough("id")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 ID = DEF.u32("id");

    private IommuDestroy() {}
}
