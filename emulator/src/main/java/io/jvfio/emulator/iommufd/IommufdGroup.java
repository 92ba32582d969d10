package io.jvfio.emulator.iommufd;

import io.jvfio.emulator.iommu.Group;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An IOMMU group as one iommufd sees it ({@code struct iommufd_group}): per PASID (the RID is
 * {@link IommufdDevice#NO_PASID}) the HWPT the group is attached to and which of its bound devices
 * asked for it. The monitor is the kernel's {@code igroup->lock}.
 */
final class IommufdGroup {
    /** One PASID's attachment ({@code struct iommufd_attach}). */
    static final class Attach {
        HwPagetable hwpt;
        /** The attach handle faults are tagged with; a new one per attach or replace. */
        Object handle = new Object();

        final Map<Integer, IommufdDevice> devices = new LinkedHashMap<>();
    }

    final Group group;
    final Map<Integer, Attach> pasidAttach = new LinkedHashMap<>();
    int refs;

    IommufdGroup(Group group) {
        this.group = group;
    }

    /** iommufd_group_first_attach. */
    boolean firstAttach(int pasid) {
        return !pasidAttach.containsKey(pasid);
    }

    /** iommufd_get_group: the context's iommufd_group for {@code group}, created on first use. */
    static IommufdGroup get(IommufdCtx ctx, Group group) {
        synchronized (ctx.groups) {
            IommufdGroup g = ctx.groups.computeIfAbsent(group, IommufdGroup::new);
            g.refs++;
            return g;
        }
    }

    static void put(IommufdCtx ctx, IommufdGroup g) {
        synchronized (ctx.groups) {
            if (--g.refs == 0) {
                ctx.groups.remove(g.group);
            }
        }
    }
}
