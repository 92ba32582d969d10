package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuHwptPageResponse;
import io.jvfio.abi.iommufd.IommuHwptPgfault;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.iommu.Access;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.IommuDriver;
import io.jvfio.emulator.iommu.PageRequest;
import io.jvfio.emulator.iommu.ReservedRegion;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A device bound to an iommufd ({@code struct iommufd_device}, device.c) and the in-kernel API
 * VFIO drives it with: {@link #bind}, {@link #attach}, {@link #replace}, {@link #detach}, {@link
 * #unbind}. Errors are ErrnoException with the kernel's errno.
 *
 * <p>Binding claims user-owned DMA of the device's IOMMU group for the context (EBUSY when a kernel
 * driver or another owner holds it); the group sits on the blocking domain until a device attaches.
 * Attaching to an IOAS picks or creates an automatic paging HWPT (rule 20); to a HWPT, uses it.
 * Devices of one group share the group's attachment (rule 22). A bound device keeps its context's
 * file open until unbind, as the kernel's {@code iommufd_ctx_get} does.
 */
public final class IommufdDevice extends IommufdObject {
    /** IOMMU_NO_PASID: the attachment of the device's RID. */
    public static final int NO_PASID = 0;

    final IommufdCtx ictx;
    final IommuDevice dev;
    final IommufdGroup igroup;
    /** The device's vDEVICE, if any; guarded by {@code igroup}. */
    Vdevice vdev;
    /**
     * mock_dev.viommu/vdev_id: for a mock device, the vIOMMU of the nested HWPT its RID was last
     * attached to and its virtual ID there at that time; guarded by {@code igroup}.
     */
    Viommu mockViommu;

    /** mock_dev.cache: the mock device's caches, cleared by vIOMMU cache invalidation; guarded by itself. */
    final int[] mockCache = new int[IommufdTestConst.MOCK_DEV_CACHE_NUM];

    {
        Arrays.fill(mockCache, IommufdTestConst.IOMMU_TEST_DEV_CACHE_DEFAULT);
    }

    long mockVdevId;

    /** Selftest mock devices belong to their selftest object and hold no context reference. */
    private final boolean mock;

    private IommufdDevice(IommufdCtx ictx, IommuDevice dev, IommufdGroup igroup, boolean mock) {
        super(ObjectType.DEVICE);
        this.ictx = ictx;
        this.dev = dev;
        this.igroup = igroup;
        this.mock = mock;
    }

    /**
     * iommufd_device_bind: claims DMA ownership of {@code dev}'s group for {@code ictx} (EBUSY) and
     * publishes a DEVICE object; {@link #id()} is the dev_id user space uses. Undo with {@link
     * #unbind}.
     */
    public static IommufdDevice bind(IommufdCtx ictx, IommuDevice dev) {
        return bind(ictx, dev, false);
    }

    static IommufdDevice bind(IommufdCtx ictx, IommuDevice dev, boolean mock) {
        IommufdGroup igroup = IommufdGroup.get(ictx, dev.group());
        try {
            dev.group().claimDmaOwner(ictx);
        } catch (RuntimeException e) {
            IommufdGroup.put(ictx, igroup);
            throw e;
        }
        IommufdDevice idev = new IommufdDevice(ictx, dev, igroup, mock);
        try {
            ictx.objects.allocate(idev);
        } catch (RuntimeException e) {
            dev.group().releaseDmaOwner();
            IommufdGroup.put(ictx, igroup);
            throw e;
        }
        if (!mock) {
            ictx.get();
        }
        idev.incUsers(); // the binding driver's reference until unbind
        ictx.publish(idev);
        return idev;
    }

    /** iommufd_device_to_ictx. */
    public IommufdCtx ctx() {
        return ictx;
    }

    /** The physical device. */
    public IommuDevice device() {
        return dev;
    }

    /**
     * iommufd_device_unbind: destroys the object, releases DMA ownership (the group returns to its
     * default domain) and the context reference. The device must be detached first (EBUSY).
     */
    public void unbind() {
        removeVdev();
        ictx.objects.removeUser(this);
        destroy();
    }

    /** iommufd_device_remove_vdev: the vDEVICE goes, its ID tombstoned (DESTROY ENOENT, never reused before close). */
    private void removeVdev() {
        Vdevice v;
        synchronized (igroup) {
            v = vdev;
        }
        if (v != null && ictx.objects.tombstone(v)) {
            v.destroy();
        }
    }

    @Override
    void destroy() {
        dev.group().releaseDmaOwner();
        IommufdGroup.put(ictx, igroup);
        if (!mock) {
            ictx.put();
        }
    }

    // ---- attach / replace / detach ------------------------------------------------------------

    /**
     * iommufd_device_attach: attaches {@code pasid} ({@link #NO_PASID} for the RID) to the IOAS or
     * HWPT {@code ptId} and returns the HWPT ID (an automatic HWPT's for an IOAS). ENOENT for an
     * unknown ID, EINVAL for another kind of object or an incompatible HWPT, EBUSY if already
     * attached.
     */
    public int attach(int pasid, int ptId) {
        int out = changePt(pasid, ptId, false);
        incUsers(); // pairs with detach
        return out;
    }

    /** iommufd_device_replace: as attach, but the device must be attached (EINVAL); on failure nothing changes. */
    public int replace(int pasid, int ptId) {
        return changePt(pasid, ptId, true);
    }

    /** iommufd_device_detach: the group goes back to blocked DMA once no device of it is attached; a no-op if not attached. */
    public void detach(int pasid) {
        HwPagetable hwpt = hwptDetach(pasid);
        if (hwpt != null) {
            decUsers();
        }
    }

    /** Detaches the RID and every PASID this device attached (selftest object teardown). */
    void detachAll() {
        List<Integer> pasids;
        synchronized (igroup) {
            pasids = igroup.pasidAttach.entrySet().stream()
                    .filter(e -> e.getValue().devices.containsKey(id()))
                    .map(Map.Entry::getKey)
                    .toList();
        }
        pasids.forEach(this::detach);
    }

    private int changePt(int pasid, int ptId, boolean replace) {
        IommufdObject pt = ictx.objects.get(ptId, null);
        HwPagetable destroyHwpt;
        int outId = ptId;
        try {
            switch (pt) {
                case HwPagetable hwpt -> destroyHwpt = replace ? doReplace(pasid, hwpt) : doAttach(pasid, hwpt);
                case Ioas ioas -> {
                    int[] id = new int[1];
                    destroyHwpt = autoGetDomain(pasid, ioas, id, replace);
                    outId = id[0];
                }
                default -> throw new ErrnoException(Errno.EINVAL);
            }
        } finally {
            ictx.put(pt);
        }
        if (destroyHwpt != null) {
            hwptPut(destroyHwpt);
        }
        return outId;
    }

    private HwPagetable doAttach(int pasid, HwPagetable hwpt) {
        hwptAttach(hwpt, pasid);
        return null;
    }

    /**
     * iommufd_device_auto_get_domain: the first automatic HWPT of the IOAS that takes the device
     * (EINVAL = incompatible, try the next), else a new one filled with every mapping.
     */
    private HwPagetable autoGetDomain(int pasid, Ioas ioas, int[] ptId, boolean replace) {
        synchronized (ioas.mutex) {
            for (HwptPaging hwpt : ioas.hwpts) {
                if (!hwpt.autoDomain || !hwpt.tryIncUsers()) {
                    continue;
                }
                try {
                    HwPagetable destroy = replace ? doReplace(pasid, hwpt) : doAttach(pasid, hwpt);
                    ptId[0] = hwpt.id();
                    return destroy;
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EINVAL) {
                        throw e;
                    }
                } finally {
                    ictx.put(hwpt);
                }
            }
            HwptPaging hwpt = HwptPaging.alloc(ictx, ioas, this, pasid, 0, !replace, null);
            HwPagetable destroy = null;
            if (replace) {
                try {
                    destroy = doReplace(pasid, hwpt);
                } catch (RuntimeException e) {
                    ictx.objects.abort(hwpt);
                    throw e;
                }
            }
            hwpt.autoDomain = true;
            ptId[0] = hwpt.id();
            ictx.publish(hwpt);
            return destroy;
        }
    }

    /** iommufd_hw_pagetable_put: an automatic HWPT goes away with its last user. */
    private void hwptPut(HwPagetable hwpt) {
        if (hwpt instanceof HwptPaging p && p.autoDomain) {
            ictx.putAndTryDestroy(hwpt);
        } else {
            hwpt.decUsers();
        }
    }

    /** iommufd_auto_response_faults: the attachment went away; its outstanding faults are answered. */
    private static void autoResponse(HwPagetable hwpt, Object handle) {
        if (hwpt.fault != null) {
            hwpt.fault.autoResponse(handle);
        }
    }

    /**
     * iommu_report_device_fault for a page request on {@code pasid}: delivered to the fault queue
     * of the HWPT attached there, or (no queue, not attached) answered at once and dropped.
     */
    void reportFault(int pasid, int flags, int grpid, int perm, long addr) {
        synchronized (igroup) {
            IommufdGroup.Attach attach = igroup.pasidAttach.get(pasid);
            if (attach == null && pasid != NO_PASID && dev.driver().userPasidTable()) {
                IommufdGroup.Attach rid = igroup.pasidAttach.get(NO_PASID);
                attach = rid != null && rid.hwpt instanceof HwptNested ? rid : null;
            }
            if (attach != null && attach.hwpt.fault != null) {
                attach.hwpt.fault.deliver(
                        new Fault.Iopf(this, attach.handle, flags, pasid, grpid, perm, new long[] {addr}, code -> {}));
            }
        }
    }

    /**
     * iommufd_fault_iopf_handler for a page request of a PRI-capable device whose RID translates
     * through {@code hwpt}: one record per page, LAST_PAGE on the last, answered through the
     * request. A request racing with a detach (no longer this attachment) is answered INVALID.
     */
    static void pageRequest(IommufdCtx ictx, HwPagetable hwpt, PageRequest request) {
        IommufdGroup igroup;
        synchronized (ictx.groups) {
            igroup = ictx.groups.get(request.device().group());
        }
        if (igroup != null) {
            synchronized (igroup) {
                IommufdGroup.Attach attach = igroup.pasidAttach.get(NO_PASID);
                IommufdDevice idev = attach == null || attach.hwpt != hwpt
                        ? null
                        : attach.devices.values().stream()
                                .filter(d -> d.dev == request.device())
                                .findFirst()
                                .orElse(null);
                if (idev != null) {
                    int perm =
                            request.access() == Access.WRITE ? IommuHwptPgfault.PERM_WRITE : IommuHwptPgfault.PERM_READ;
                    hwpt.fault.deliver(new Fault.Iopf(
                            idev,
                            attach.handle,
                            IommuHwptPgfault.FLAGS_LAST_PAGE,
                            NO_PASID,
                            request.grpid(),
                            perm,
                            request.pages().stream().mapToLong(Long::longValue).toArray(),
                            code -> request.respond(
                                    code == IommuHwptPageResponse.SUCCESS
                                            ? PageRequest.Response.SUCCESS
                                            : PageRequest.Response.INVALID)));
                    return;
                }
            }
        }
        request.respond(PageRequest.Response.INVALID);
    }

    /** find_hwpt_paging: the HWPT itself, or a nested HWPT's parent (whose IOAS holds the reserved regions). */
    private static HwptPaging paging(HwPagetable hwpt) {
        return switch (hwpt) {
            case HwptPaging p -> p;
            case HwptNested n -> n.parent;
            default -> null;
        };
    }

    /** iommufd_hw_pagetable_attach: the group's domain changes only for its first device (rule 22). */
    void hwptAttach(HwPagetable hwpt, int pasid) {
        HwptPaging paging = paging(hwpt);
        boolean attachResv = paging != null && pasid == NO_PASID;
        synchronized (igroup) {
            IommufdGroup.Attach attach = igroup.pasidAttach.get(pasid);
            boolean first = attach == null;
            if (first) {
                attach = new IommufdGroup.Attach();
            }
            if (attach.devices.containsKey(id())) {
                throw new ErrnoException(Errno.EBUSY);
            }
            if (attach.hwpt != null && attach.hwpt != hwpt) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (attachResv) {
                enforceResvRegions(paging.ioas);
            }
            if (first) {
                try {
                    attachDevice(hwpt, pasid);
                } catch (RuntimeException e) {
                    if (attachResv) {
                        paging.ioas.iopt.removeReserved(dev);
                    }
                    throw e;
                }
                attach.hwpt = hwpt;
                igroup.pasidAttach.put(pasid, attach);
            }
            hwpt.incUsers();
            attach.devices.put(id(), this);
        }
    }

    /** iommufd_hwpt_attach_device. */
    private void attachDevice(HwPagetable hwpt, int pasid) {
        pasidCompat(hwpt, pasid);
        if (pasid == NO_PASID) {
            long vdevId = mockVdevId(hwpt);
            dev.group().attach(hwpt.hwDomain());
            setMockViommu(hwpt, vdevId);
        } else {
            dev.group().attachPasid(dev, pasid, hwpt.hwDomain());
        }
    }

    /**
     * mock_domain_nop_attach's vIOMMU step: a mock device attaching to a nested HWPT of a vIOMMU
     * needs a vDEVICE there (ENOENT); returns its virtual ID (0 otherwise).
     */
    private long mockVdevId(HwPagetable hwpt) {
        if (dev.driver() != IommuDriver.MOCK || !(hwpt instanceof HwptNested n) || n.viommu == null) {
            return 0;
        }
        synchronized (n.viommu) {
            for (Vdevice v : n.viommu.vdevs.values()) {
                if (v.idev == this) {
                    return v.virtId;
                }
            }
        }
        throw new ErrnoException(Errno.ENOENT);
    }

    private void setMockViommu(HwPagetable hwpt, long vdevId) {
        if (dev.driver() != IommuDriver.MOCK) {
            return;
        }
        Viommu v = hwpt instanceof HwptNested n ? n.viommu : null;
        if (v != mockViommu) {
            mockViommu = v;
            mockVdevId = vdevId;
        }
    }

    /** iommufd_hwpt_pasid_compat (rule 27). */
    private void pasidCompat(HwPagetable hwpt, int pasid) {
        if (pasid == NO_PASID) {
            if (!hwpt.pasidCompat && igroup.pasidAttach.keySet().stream().anyMatch(p -> p != NO_PASID)) {
                throw new ErrnoException(Errno.EINVAL);
            }
        } else {
            if (!hwpt.pasidCompat) {
                throw new ErrnoException(Errno.EINVAL);
            }
            IommufdGroup.Attach rid = igroup.pasidAttach.get(NO_PASID);
            if (rid != null && rid.hwpt != null && !rid.hwpt.pasidCompat) {
                throw new ErrnoException(Errno.EINVAL);
            }
        }
    }

    /** iopt_table_enforce_dev_resv_regions: the device's reserved regions in the IOAS (EADDRINUSE over a mapping). */
    private void enforceResvRegions(Ioas ioas) {
        try {
            for (ReservedRegion r : dev.reservedRegions()) {
                ioas.iopt.reserveIova(r.start(), r.last(), dev);
            }
        } catch (RuntimeException e) {
            ioas.iopt.removeReserved(dev);
            throw e;
        }
    }

    /**
     * iommufd_hw_pagetable_detach: the last device of the group detaching puts the group on the
     * blocking domain; the device's reserved regions leave the IOAS. Returns the old HWPT (its
     * reference dropped), null if not attached.
     */
    HwPagetable hwptDetach(int pasid) {
        HwPagetable hwpt;
        synchronized (igroup) {
            IommufdGroup.Attach attach = igroup.pasidAttach.get(pasid);
            if (attach == null || attach.devices.remove(id()) == null) {
                return null;
            }
            hwpt = attach.hwpt;
            if (attach.devices.isEmpty()) {
                if (pasid == NO_PASID) {
                    dev.group().detach();
                    setMockViommu(null, 0);
                } else {
                    dev.group().detachPasid(pasid);
                }
                autoResponse(hwpt, attach.handle);
                igroup.pasidAttach.remove(pasid);
            }
            HwptPaging paging = paging(hwpt);
            if (paging != null && pasid == NO_PASID) {
                paging.ioas.iopt.removeReserved(dev);
            }
        }
        hwptPut(hwpt);
        return hwpt;
    }

    /**
     * iommufd_device_do_replace: EINVAL unless this device is attached; a no-op for the same HWPT;
     * reserved regions move to the new IOAS for every device of the group; atomic. Returns the old
     * HWPT for the caller to put.
     */
    private HwPagetable doReplace(int pasid, HwPagetable hwpt) {
        HwptPaging paging = paging(hwpt);
        boolean attachResv = paging != null && pasid == NO_PASID;
        synchronized (igroup) {
            IommufdGroup.Attach attach = igroup.pasidAttach.get(pasid);
            if (attach == null || !attach.devices.containsKey(id())) {
                throw new ErrnoException(Errno.EINVAL);
            }
            HwPagetable old = attach.hwpt;
            if (hwpt == old) {
                return null;
            }
            HwptPaging oldPaging = paging(old);
            boolean moveResv = attachResv && (oldPaging == null || oldPaging.ioas != paging.ioas);
            if (moveResv) {
                try {
                    for (IommufdDevice d : attach.devices.values()) {
                        d.enforceResvRegions(paging.ioas);
                    }
                } catch (RuntimeException e) {
                    attach.devices.values().forEach(d -> paging.ioas.iopt.removeReserved(d.dev));
                    throw e;
                }
            }
            try {
                pasidCompat(hwpt, pasid);
                if (pasid == NO_PASID) {
                    long vdevId = mockVdevId(hwpt);
                    dev.group().replace(hwpt.hwDomain());
                    setMockViommu(hwpt, vdevId);
                } else {
                    dev.group().replacePasid(dev, pasid, hwpt.hwDomain());
                }
            } catch (RuntimeException e) {
                if (moveResv) {
                    attach.devices.values().forEach(d -> paging.ioas.iopt.removeReserved(d.dev));
                }
                throw e;
            }
            if (oldPaging != null && pasid == NO_PASID && (paging == null || paging.ioas != oldPaging.ioas)) {
                attach.devices.values().forEach(d -> oldPaging.ioas.iopt.removeReserved(d.dev));
            }
            autoResponse(old, attach.handle);
            attach.handle = new Object();
            attach.hwpt = hwpt;
            int n = attach.devices.size();
            // The device array's references move to the new HWPT; one stays for the caller to put.
            hwpt.users.addAndGet(n);
            old.users.addAndGet(-(n - 1));
            return old;
        }
    }
}
