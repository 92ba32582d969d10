package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_ioas_change_process}: the argument of IOMMU_IOAS_CHANGE_PROCESS: move the
 * accounting and page pinning of every file-backed mapping to the calling process.
 *
 * <pre>
 * 0  u32    size
 * 4  u32    __reserved
 * (8 bytes; the kernel requires size &ge; 8, the end of __reserved)
 * </pre>
 */
public final class IommuIoasChangeProcess {
    public static final StructDef DEF = StructDef.builder("iommu_ioas_change_process")
            .u32("size")
            .u32("__reserved")
            .minSizeThrough("__reserved")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");

    private IommuIoasChangeProcess() {}
}
