package io.jvfio.abi.selftest;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct iommu_viommu_event_selftest}: the virtual event a mock vEVENTQ
 * (IOMMU_VEVENTQ_TYPE_SELFTEST) delivers after IOMMU_TEST_OP_TRIGGER_VEVENT: the virtual ID of the
 * device.
 *
 * <pre>
 * 0  u32    virt_id
 * (4 bytes)
 * </pre>
 */
public final class IommuViommuEventSelftest {
    public static final StructDef DEF =
            StructDef.builder("iommu_viommu_event_selftest").u32("virt_id").build();

    public static final Field.U32 VIRT_ID = DEF.u32("virt_id");

    private IommuViommuEventSelftest() {}
}
