package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hwpt_pgfault}: one I/O page fault as read() from a fault queue fd.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_PGFAULT_} prefix.
 *
 * <pre>
 *  0  u32    flags
 *  4  u32    dev_id
 *  8  u32    pasid
 * 12  u32    grpid
 * 16  u32    perm
 * 20  u32    __reserved
 * 24  u64    addr
 * 32  u32    length
 * 36  u32    cookie
 * (40 bytes)
 * </pre>
 */
public final class IommuHwptPgfault {
    public static final StructDef DEF = StructDef.builder("iommu_hwpt_pgfault")
            .u32("flags")
            .u32("dev_id")
            .u32("pasid")
            .u32("grpid")
            .u32("perm")
            .u32("__reserved")
            .u64("addr")
            .u32("length")
            .u32("cookie")
            .build();

    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 DEV_ID = DEF.u32("dev_id");
    public static final Field.U32 PASID = DEF.u32("pasid");
    public static final Field.U32 GRPID = DEF.u32("grpid");
    public static final Field.U32 PERM = DEF.u32("perm");
    public static final Field.U32 RESERVED = DEF.u32("__reserved");
    public static final Field.U64 ADDR = DEF.u64("addr");
    public static final Field.U32 LENGTH = DEF.u32("length");
    public static final Field.U32 COOKIE = DEF.u32("cookie");

    /** {@code enum iommu_hwpt_pgfault_flags}. */
    public static final int FLAGS_PASID_VALID = 1 << 0;

    public static final int FLAGS_LAST_PAGE = 1 << 1;

    /** {@code enum iommu_hwpt_pgfault_perm}. */
    public static final int PERM_READ = 1 << 0;

    public static final int PERM_WRITE = 1 << 1;
    public static final int PERM_EXEC = 1 << 2;
    public static final int PERM_PRIV = 1 << 3;

    private IommuHwptPgfault() {}
}
