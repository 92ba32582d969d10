package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_iommu_type1_info_cap_migration}: type1 info capability INFO_CAP_MIGRATION:
 * dirty page tracking support, its page sizes and the largest bitmap it reports at once.
 *
 * <pre>
 *  0  struct vfio_info_cap_header header
 *  8  u32    flags
 * 16  u64    pgsize_bitmap
 * 24  u64    max_dirty_bitmap_size
 * (32 bytes)
 * </pre>
 */
public final class VfioIommuType1InfoCapMigration {
    public static final StructDef DEF = StructDef.builder("vfio_iommu_type1_info_cap_migration")
            .struct("header", VfioInfoCapHeader.DEF)
            .u32("flags")
            .u64("pgsize_bitmap")
            .u64("max_dirty_bitmap_size")
            .build();

    public static final Field.Nested HEADER = DEF.nested("header");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U64 PGSIZE_BITMAP = DEF.u64("pgsize_bitmap");
    public static final Field.U64 MAX_DIRTY_BITMAP_SIZE = DEF.u64("max_dirty_bitmap_size");

    private VfioIommuType1InfoCapMigration() {}
}
