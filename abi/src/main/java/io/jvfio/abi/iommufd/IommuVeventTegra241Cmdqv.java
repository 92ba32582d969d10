package io.jvfio.abi.iommufd;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_vevent_tegra241_cmdqv}: a Tegra241 CMDQV error map as reported through a
 * vEVENTQ of IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV.
 *
 * <pre>
 * 0  u64    lvcmdq_err_map[2]
 * (16 bytes)
 * </pre>
 */
public final class IommuVeventTegra241Cmdqv {
    public static final StructDef DEF = StructDef.builder("iommu_vevent_tegra241_cmdqv")
            .u64Array("lvcmdq_err_map", 2)
            .build();

    public static final Field.Bytes LVCMDQ_ERR_MAP = DEF.array("lvcmdq_err_map");

    private IommuVeventTegra241Cmdqv() {}
}
