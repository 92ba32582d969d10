package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_hw_info}: the argument of IOMMU_GET_HW_INFO: describe the IOMMU behind
 * device {@code dev_id}: driver data of type {@code out_data_type} copied to {@code data_uptr} (at
 * most {@code data_len} bytes; {@code data_len} comes back as the length the kernel has), the
 * PASID width and the capability bits. With FLAG_INPUT_TYPE the caller names the type in {@code
 * in_data_type}.
 *
 * <p>The constants are the header's, named without their {@code IOMMU_HW_INFO_} or {@code IOMMU_} prefix.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    flags
 *  8  u32    dev_id
 * 12  u32    data_len
 * 16  u64    data_uptr
 * 24  u32    in_data_type
 * 24  u32    out_data_type
 * 28  u8     out_max_pasid_log2
 * 29  u8     __reserved[3]
 * 32  u64    out_capabilities
 * (40 bytes; the kernel requires size &ge; 32, the end of __reserved)
 * </pre>
 */
public final class IommuHwInfo {
    public static final StructDef DEF = StructDef.builder("iommu_hw_info")
            .u32("size")
            .u32("flags")
            .u32("dev_id")
            .u32("data_len")
            .u64("data_uptr")
            .anonymous(StructDef.anonymousUnion()
                    .u32("in_data_type")
                    .u32("out_data_type")
                    .build())
            .u8("out_max_pasid_log2")
            .u8Array("__reserved", 3)
            .u64("out_capabilities")
            .minSizeThrough("__reserved")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 FLAGS = DEF.u32("flags");
    public static final Field.U32 DEV_ID = DEF.u32("dev_id");
    public static final Field.U32 DATA_LEN = DEF.u32("data_len");
    public static final Field.U64 DATA_UPTR = DEF.u64("data_uptr");
    public static final Field.U32 IN_DATA_TYPE = DEF.u32("in_data_type");
    public static final Field.U32 OUT_DATA_TYPE = DEF.u32("out_data_type");
    public static final Field.U8 OUT_MAX_PASID_LOG2 = DEF.u8("out_max_pasid_log2");
    public static final Field.Bytes RESERVED = DEF.array("__reserved");
    public static final Field.U64 OUT_CAPABILITIES = DEF.u64("out_capabilities");

    /** {@code enum iommu_hw_info_type}. */
    public static final int TYPE_NONE = 0;

    public static final int TYPE_DEFAULT = 0;
    public static final int TYPE_INTEL_VTD = 1;
    public static final int TYPE_ARM_SMMUV3 = 2;
    public static final int TYPE_TEGRA241_CMDQV = 3;
    public static final int TYPE_AMD = 4;

    /** {@code enum iommufd_hw_capabilities}. */
    public static final int HW_CAP_DIRTY_TRACKING = 1 << 0;

    public static final int HW_CAP_PCI_PASID_EXEC = 1 << 1;
    public static final int HW_CAP_PCI_PASID_PRIV = 1 << 2;
    public static final int HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3;

    /** {@code enum iommufd_hw_info_flags}. */
    public static final int FLAG_INPUT_TYPE = 1 << 0;

    private IommuHwInfo() {}
}
