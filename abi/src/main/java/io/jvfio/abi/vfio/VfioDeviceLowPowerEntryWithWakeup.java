package io.jvfio.abi.vfio;

import io.jvfio.abi.Field;
import io.jvfio.abi.StructDef;

/**
 * {@code struct vfio_device_low_power_entry_with_wakeup}: the data of device feature
 * FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP: the eventfd signalled when the device wakes up.
 *
 * <pre>
 * 0  u32    wakeup_eventfd
 * 4  u32    reserved
 * (8 bytes)
 * </pre>
 */
public final class VfioDeviceLowPowerEntryWithWakeup {
    public static final StructDef DEF = StructDef.builder("vfio_device_low_power_entry_with_wakeup")
            .u32("wakeup_eventfd")
            .u32("reserved")
            .build();

    public static final Field.U32 WAKEUP_EVENTFD = DEF.u32("wakeup_eventfd");
    public static final Field.U32 RESERVED = DEF.u32("reserved");

    private VfioDeviceLowPowerEntryWithWakeup() {}
}
