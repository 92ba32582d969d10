package io.jvfio.abi.catalog;

import io.jvfio.abi.fs.FsIoctl;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.kvm.KvmIoctl;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.abi.vfio.VfioIoctl;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Names of request numbers, for messages ("ioctl(IOMMU_IOAS_MAP)"). VFIO deliberately re-uses
 * numbers between the container and the device fd, so a number may carry several names.
 */
public final class IoctlNames {
    private static final Map<Long, List<String>> NAMES = new HashMap<>();

    static {
        for (Class<?> holder : List.<Class<?>>of(
                IommufdIoctl.class, VfioIoctl.class, IommufdTestIoctl.class, KvmIoctl.class, FsIoctl.class)) {
            register(holder);
        }
    }

    private IoctlNames() {}

    private static void register(Class<?> holder) {
        for (Field f : holder.getFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == long.class) {
                try {
                    List<String> names = NAMES.computeIfAbsent(f.getLong(null), k -> new ArrayList<>());
                    // A request re-exported by a second holder (IOMMU_TEST_CMD) is named once.
                    if (!names.contains(f.getName())) {
                        names.add(f.getName());
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /**
     * "IOMMU_IOAS_MAP", "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO|VFIO_IOMMU_GET_INFO|..." (every name of a
     * re-used number, in registration order), or "0x3b7f".
     */
    public static String describe(long request) {
        List<String> names = NAMES.get(request);
        return names == null ? "0x" + Long.toHexString(request) : String.join("|", names);
    }
}
