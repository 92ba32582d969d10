package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_vdevice_alloc}: the argument of IOMMU_VDEVICE_ALLOC: tell vIOMMU {@code
 * viommu_id} the guest-visible ID {@code virt_id} of device {@code dev_id}.
 *
 * <pre>
 *  0  u32    size
 *  4  u32    viommu_id
 *  8  u32    dev_id
 * 12  u32    out_vdevice_id
 * 16  u64    virt_id
 * (24 bytes; the kernel requires size &ge; 24, the end of virt_id)
 * </pre>
 */
public final class IommuVdeviceAlloc {
    public static final StructDef DEF = StructDef.builder("iommu_vdevice_alloc")
            .u32("size")
            .u32("viommu_id")
            .u32("dev_id")
            .u32("out_vdevice_id")
            .u64("virt_id")
            .minSizeThrough("virt_id")
            .build();

    public static final Field.U32 SIZE = DEF.u32("size");
    public static final Field.U32 VIOMMU_ID = DEF.u32("viommu_id");
    public static final Field.U32 DEV_ID = DEF.u32("dev_id");
    public static final Field.U32 OUT_VDEVICE_ID = DEF.u32("out_vdevice_id");
    public static final Field.U64 VIRT_ID = DEF.u64("virt_id");

    private IommuVdeviceAlloc() {}
}
