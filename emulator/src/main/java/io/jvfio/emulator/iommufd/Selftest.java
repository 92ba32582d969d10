package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Field;
import io.jvfio.abi.iommufd.IommuHwptPgfault;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommuViommuEventSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.emulator.PhysicalPages;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.IommuDriver;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * IOMMU_TEST_CMD (the kernel's selftest.c, CONFIG_IOMMUFD_TEST): mock devices behind the mock
 * IOMMU, bound and attached through the same device API VFIO uses, and the checks the kernel's
 * selftests rely on. Only in kernels built with {@code EmulatorConfig.iommufdTest}.
 */
final class Selftest extends IommufdObject {
    private static final int VALID_DEV_FLAGS =
            IommufdTestConst.MOCK_FLAGS_DEVICE_NO_DIRTY | IommufdTestConst.MOCK_FLAGS_DEVICE_PASID;
    /** Mock devices get group numbers far from any PCI platform's. */
    private static final AtomicInteger NEXT_GROUP = new AtomicInteger(1 << 20);

    /** The mock device bound through this object (TYPE_IDEV); set before the object is published. */
    private IommufdDevice idev;

    private Selftest() {
        super(ObjectType.SELFTEST);
    }

    /** selftest_object_destroy: detach, unbind, destroy the mock device. */
    @Override
    void destroy() {
        if (idev != null) {
            idev.detachAll();
            idev.unbind();
        }
    }

    /** iommufd_test. */
    static void testCmd(Ucmd u) {
        MemorySegment c = u.cmd;
        int id = IommuTestCmd.ID.get(c);
        switch (IommuTestCmd.OP.get(c)) {
            case IommufdTestIoctl.IOMMU_TEST_OP_ADD_RESERVED -> addReserved(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN, IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS ->
                mockDomain(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE -> mockDomainReplace(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_MD_CHECK_MAP -> checkMap(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_DIRTY -> dirty(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_MD_CHECK_IOTLB -> checkIotlb(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_TRIGGER_IOPF -> triggerIopf(u);
            case IommufdTestIoctl.IOMMU_TEST_OP_TRIGGER_VEVENT -> triggerVevent(u);
            case IommufdTestIoctl.IOMMU_TEST_OP_MD_CHECK_REFS -> checkRefs(u);
            case IommufdTestIoctl.IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT -> setTempMemoryLimit(u);
            case IommufdTestIoctl.IOMMU_TEST_OP_DEV_CHECK_CACHE -> checkDevCache(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_CREATE_ACCESS -> SelftestAccess.create(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_PAGES -> SelftestAccess.accessPages(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_DESTROY_ACCESS_PAGES -> SelftestAccess.destroyPages(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_RW -> SelftestAccess.accessRw(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_REPLACE_IOAS -> SelftestAccess.replaceIoas(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_PASID_ATTACH -> pasidAttach(u, id, false);
            case IommufdTestIoctl.IOMMU_TEST_OP_PASID_REPLACE -> pasidAttach(u, id, true);
            case IommufdTestIoctl.IOMMU_TEST_OP_PASID_DETACH -> pasidDetach(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_PASID_CHECK_HWPT -> pasidCheckHwpt(u, id);
            case IommufdTestIoctl.IOMMU_TEST_OP_DMABUF_GET -> SelftestDmaBuf.get(u);
            case IommufdTestIoctl.IOMMU_TEST_OP_DMABUF_REVOKE -> SelftestDmaBuf.revoke(u);
            default -> throw new ErrnoException(Errno.EOPNOTSUPP);
        }
    }

    private static void addReserved(Ucmd u, int ioasId) {
        long start = IommuTestCmd.AddReserved.START.get(u.cmd);
        long length = IommuTestCmd.AddReserved.LENGTH.get(u.cmd);
        if (length == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (Long.compareUnsigned(start + length - 1, start) < 0) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        Ioas ioas = u.ctx.getIoas(ioasId);
        try {
            ioas.iopt.reserveIova(start, start + length - 1, null);
        } finally {
            u.ctx.put(ioas);
        }
    }

    /**
     * iommufd_test_mock_domain: a new mock device bound and attached to {@code ptId}. The
     * selftest object's ID is taken first (published only once the reply is copied), then the
     * device's at bind, then the automatic HWPT's at attach: the order the kernel hands them out.
     */
    private static void mockDomain(Ucmd u, int ptId) {
        int flags = IommuTestCmd.OP.get(u.cmd) == IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS
                ? IommuTestCmd.MockDomainFlags.DEV_FLAGS.get(u.cmd)
                : 0;
        Selftest sobj = new Selftest();
        u.ctx.objects.allocate(sobj);
        IommufdDevice idev = null;
        int hwptId;
        try {
            if ((flags & ~VALID_DEV_FLAGS) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int groupId = NEXT_GROUP.getAndIncrement();
            IommuDevice dev = new IommuDevice(
                    "mock" + groupId,
                    IommuDriver.MOCK,
                    u.ctx.mockIommu(),
                    new Group(groupId),
                    groupId,
                    (flags & IommufdTestConst.MOCK_FLAGS_DEVICE_NO_DIRTY) == 0,
                    (flags & IommufdTestConst.MOCK_FLAGS_DEVICE_PASID) != 0
                            ? 1 << IommufdTestConst.MOCK_PASID_WIDTH
                            : 0);
            idev = IommufdDevice.bind(u.ctx, dev, true);
            hwptId = idev.attach(IommufdDevice.NO_PASID, ptId);
        } catch (RuntimeException e) {
            if (idev != null) {
                idev.unbind();
            }
            u.ctx.objects.abort(sobj);
            throw e;
        }
        // From here an abort (the reply cannot be copied) detaches and unbinds through destroy().
        sobj.idev = idev;
        u.newObj = sobj;
        IommuTestCmd.MockDomain.OUT_HWPT_ID.set(u.cmd, hwptId);
        IommuTestCmd.MockDomain.OUT_STDEV_ID.set(u.cmd, sobj.id());
        IommuTestCmd.MockDomain.OUT_IDEV_ID.set(u.cmd, idev.id());
        u.respond();
    }

    /** iommufd_test_get_selftest_obj: ENOENT if absent, EINVAL for a selftest object without a device. */
    private static Selftest get(Ucmd u, int id) {
        Selftest s = (Selftest) u.ctx.objects.get(id, ObjectType.SELFTEST);
        if (s.idev == null) {
            u.ctx.put(s);
            throw new ErrnoException(Errno.EINVAL);
        }
        return s;
    }

    private static void mockDomainReplace(Ucmd u, int id) {
        Selftest s = get(u, id);
        try {
            int out = s.idev.replace(IommufdDevice.NO_PASID, IommuTestCmd.MockDomainReplace.PT_ID.get(u.cmd));
            IommuTestCmd.MockDomainReplace.PT_ID.set(u.cmd, out);
            u.respond();
        } finally {
            u.ctx.put(s);
        }
    }

    /** get_md_pagetable: a paging HWPT of the mock driver (ENOENT, EINVAL). */
    private static HwptPaging mockPagetable(Ucmd u, int id) {
        HwptPaging hwpt = (HwptPaging) u.ctx.objects.get(id, ObjectType.HWPT_PAGING);
        if (!IommuDriver.MOCK.owns(hwpt.domain.format())) {
            u.ctx.put(hwpt);
            throw new ErrnoException(Errno.EINVAL);
        }
        return hwpt;
    }

    /**
     * iommufd_test_md_check_pa: every mock page of [iova, iova+length) translates to the user
     * address at the same offset from {@code uptr} (EINVAL otherwise).
     */
    private static void checkMap(Ucmd u, int id) {
        long iova = IommuTestCmd.CheckMap.IOVA.get(u.cmd);
        long length = IommuTestCmd.CheckMap.LENGTH.get(u.cmd);
        long uptr = IommuTestCmd.CheckMap.UPTR.get(u.cmd);
        HwptPaging hwpt = mockPagetable(u, id);
        try {
            long pageSize = Long.lowestOneBit(hwpt.domain.pgsizeBitmap());
            if (iova % pageSize != 0
                    || length % pageSize != 0
                    || uptr % pageSize != 0
                    || Long.compareUnsigned(uptr + length, uptr) < 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            for (; length != 0; length -= pageSize, iova += pageSize, uptr += pageSize) {
                // The same page, not the same address: a memfd's page is one wherever it is mapped.
                // (mock IO pages are half a CPU page: the offset in the page must match too)
                PhysicalPages.Run user = PhysicalPages.resolve(
                                UserMemory.current(), uptr & -Pages.PAGE_SIZE, Pages.PAGE_SIZE, false)
                        .getFirst();
                long pa = hwpt.domain.iovaToPhys(iova);
                if (((pa ^ uptr) & (Pages.PAGE_SIZE - 1)) != 0 || !user.equals(mappedPage(pa))) {
                    throw new ErrnoException(Errno.EINVAL);
                }
            }
        } finally {
            u.ctx.put(hwpt);
        }
    }

    /**
     * iommufd_test_dirty: marks dirty, as device writes would, every page_size unit whose bit is
     * set in the user bitmap; EINVAL unless tracking is on; returns how many.
     */
    private static void dirty(Ucmd u, int id) {
        MemorySegment c = u.cmd;
        long iova = IommuTestCmd.Dirty.IOVA.get(c);
        long length = IommuTestCmd.Dirty.LENGTH.get(c);
        long pageSize = IommuTestCmd.Dirty.PAGE_SIZE.get(c);
        long uptr = IommuTestCmd.Dirty.UPTR.get(c);
        if (pageSize == 0
                || length == 0
                || Long.remainderUnsigned(iova, pageSize) != 0
                || Long.remainderUnsigned(length, pageSize) != 0
                || uptr == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long max = Long.divideUnsigned(length, pageSize);
        if (Long.compareUnsigned(max, (16L << 20) * 8) > 0) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        HwptPaging hwpt = mockPagetable(u, id);
        try {
            if (!hwpt.domain.dirtyTracking()) {
                throw new ErrnoException(Errno.EINVAL);
            }
            MemorySegment bits = UserMemory.copyIn(uptr, (max + 7) / 8, u.arena);
            long count = 0;
            for (long i = 0; i < max; i++) {
                if ((bits.get(ValueLayout.JAVA_BYTE, i / 8) & (1 << (i % 8))) != 0) {
                    hwpt.domain.setDirty(iova + i * pageSize);
                    count++;
                }
            }
            IommuTestCmd.Dirty.OUT_NR_DIRTY.set(c, count);
            u.respond();
        } finally {
            u.ctx.put(hwpt);
        }
    }

    private static void pasidAttach(Ucmd u, int id, boolean replace) {
        Selftest s = get(u, id);
        try {
            int pasid = IommuTestCmd.PasidAttach.PASID.get(u.cmd);
            int ptId = IommuTestCmd.PasidAttach.PT_ID.get(u.cmd);
            int out = replace ? s.idev.replace(pasid, ptId) : s.idev.attach(pasid, ptId);
            IommuTestCmd.PasidAttach.PT_ID.set(u.cmd, out);
            try {
                u.respond();
            } catch (ErrnoException e) {
                if (!replace) {
                    s.idev.detach(pasid);
                }
                throw e;
            }
        } finally {
            u.ctx.put(s);
        }
    }

    private static void pasidDetach(Ucmd u, int id) {
        Selftest s = get(u, id);
        try {
            s.idev.detach(IommuTestCmd.PasidDetach.PASID.get(u.cmd));
        } finally {
            u.ctx.put(s);
        }
    }

    /** iommufd_test_pasid_check_hwpt: EINVAL unless the PASID is attached to exactly hwpt_id (0: detached). */
    private static void pasidCheckHwpt(Ucmd u, int id) {
        Selftest s = get(u, id);
        try {
            int pasid = IommuTestCmd.PasidCheck.PASID.get(u.cmd);
            int hwptId = IommuTestCmd.PasidCheck.HWPT_ID.get(u.cmd);
            var attached = pasid == IommufdDevice.NO_PASID
                    ? s.idev.dev.group().domain()
                    : s.idev.dev.group().pasidDomain(pasid);
            if (hwptId == 0) {
                if (attached.isPresent()) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                return;
            }
            IommufdObject obj = u.ctx.objects.get(hwptId, null);
            try {
                if (!(obj instanceof HwPagetable hwpt)) {
                    throw new ErrnoException(Errno.ENOENT);
                }
                if (attached.orElse(null) != hwpt.hwDomain()) {
                    throw new ErrnoException(Errno.EINVAL);
                }
            } finally {
                u.ctx.put(obj);
            }
        } finally {
            u.ctx.put(s);
        }
    }

    /** iommufd_test_md_check_iotlb: EINVAL unless mock IOTLB entry {@code iotlb_id} of the nested HWPT holds {@code iotlb}. */
    private static void checkIotlb(Ucmd u, int id) {
        HwptNested hwpt = (HwptNested) u.ctx.objects.get(id, ObjectType.HWPT_NESTED);
        try {
            int iotlbId = IommuTestCmd.CheckIotlb.ID.get(u.cmd);
            synchronized (hwpt) {
                if (Integer.compareUnsigned(iotlbId, IommufdTestConst.MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) > 0
                        || hwpt.iotlb[iotlbId] != IommuTestCmd.CheckIotlb.IOTLB.get(u.cmd)) {
                    throw new ErrnoException(Errno.EINVAL);
                }
            }
        } finally {
            u.ctx.put(hwpt);
        }
    }

    /**
     * __iommufd_test_syz_conv_iova: syzkaller cannot guess IOVAs, so with MOCK_FLAGS_ACCESS_SYZ the
     * 64-bit IOVA is read as {@code struct { u32 nth_area; u32 offset; }} and becomes the IOVA of
     * the nth area (in IOVA order) plus the offset; 0 if there are fewer areas.
     */
    static long syzConvIova(IoPagetable iopt, long iova) {
        long area = iopt.nthAreaIova(Integer.toUnsignedLong((int) iova));
        return area == -1 ? 0 : area + (iova >>> 32);
    }

    /**
     * iommufd_test_syz_conv_iova_id (IOMMU_IOAS_COPY, test kernels only): with the SYZ bit in the
     * flags, clears it and converts the IOVA in the IOAS {@code ioasId} names (left alone if there
     * is no such IOAS). Both changes are in the struct copied back.
     */
    static void syzConvIovaId(Ucmd u, Field.U32 ioasId, Field.U64 iova, Field.U32 flags) {
        int f = flags.get(u.cmd);
        if (!u.ctx.kernel.config().iommufdTest() || (f & IommufdTestConst.MOCK_FLAGS_ACCESS_SYZ) == 0) {
            return;
        }
        flags.set(u.cmd, f & ~IommufdTestConst.MOCK_FLAGS_ACCESS_SYZ);
        Ioas ioas;
        try {
            ioas = u.ctx.getIoas(ioasId.get(u.cmd));
        } catch (ErrnoException e) {
            return;
        }
        try {
            iova.set(u.cmd, syzConvIova(ioas.iopt, iova.get(u.cmd)));
        } finally {
            u.ctx.put(ioas);
        }
    }

    /** iommufd_test_trigger_iopf: a one-page request (LAST_PAGE, PASID_VALID for a PASID) from a mock device. */
    private static void triggerIopf(Ucmd u) {
        MemorySegment c = u.cmd;
        IommufdDevice idev = HwptIoctls.getDevice(u, IommuTestCmd.TriggerIopf.DEV_ID.get(c));
        try {
            if (idev.dev.driver() != IommuDriver.MOCK) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int pasid = IommuTestCmd.TriggerIopf.PASID.get(c);
            int flags = IommuHwptPgfault.FLAGS_LAST_PAGE
                    | (pasid != IommufdDevice.NO_PASID ? IommuHwptPgfault.FLAGS_PASID_VALID : 0);
            idev.reportFault(
                    pasid,
                    flags,
                    IommuTestCmd.TriggerIopf.GRPID.get(c),
                    IommuTestCmd.TriggerIopf.PERM.get(c),
                    IommuTestCmd.TriggerIopf.ADDR.get(c));
        } finally {
            u.ctx.put(idev);
        }
    }

    /**
     * iommufd_test_trigger_vevent: a SELFTEST event carrying the device's virtual ID, reported to
     * the vIOMMU of the nested HWPT the mock device is attached to; ENOENT if there is none (or the
     * virtual ID is 0), EOPNOTSUPP without a vEVENTQ of that type.
     */
    private static void triggerVevent(Ucmd u) {
        IommufdDevice idev = HwptIoctls.getDevice(u, IommuTestCmd.TriggerVevent.DEV_ID.get(u.cmd));
        try {
            Viommu viommu;
            long virtId;
            synchronized (idev.igroup) {
                viommu = idev.mockViommu;
                virtId = idev.mockVdevId;
            }
            if (viommu == null || virtId == 0) {
                throw new ErrnoException(Errno.ENOENT);
            }
            byte[] event = new byte[(int) IommuViommuEventSelftest.DEF.size()];
            IommuViommuEventSelftest.VIRT_ID.set(MemorySegment.ofArray(event), (int) virtId);
            viommu.reportEvent(IommufdTestConst.IOMMU_VEVENTQ_TYPE_SELFTEST, event);
        } finally {
            u.ctx.put(idev);
        }
    }

    /**
     * iommufd_test_md_check_refs: EINVAL unless page-aligned without wrap; EFAULT for unmapped
     * memory; EIO unless every page is pinned exactly {@code refs} times, whatever pinned it (a
     * memfd page mapped here counts its MAP_FILE pins too).
     */
    private static void checkRefs(Ucmd u) {
        long length = IommuTestCmd.CheckRefs.LENGTH.get(u.cmd);
        long uptr = IommuTestCmd.CheckRefs.UPTR.get(u.cmd);
        int refs = IommuTestCmd.CheckRefs.REFS.get(u.cmd);
        if (length % Pages.PAGE_SIZE != 0
                || uptr % Pages.PAGE_SIZE != 0
                || Long.compareUnsigned(uptr + length, uptr) < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        for (; length != 0; length -= Pages.PAGE_SIZE, uptr += Pages.PAGE_SIZE) {
            PhysicalPages.Run page = PhysicalPages.resolve(UserMemory.current(), uptr, Pages.PAGE_SIZE, false)
                    .getFirst();
            if (u.ctx.kernel.physicalPages().pinCount(page.backing(), page.first()) != refs) {
                throw new ErrnoException(Errno.EIO);
            }
        }
    }

    /**
     * IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT: EINVAL below an unsigned long plus a u32. The limit sizes
     * the kernel's pin batches, which have no visible effect here, so it is only validated.
     */
    private static void setTempMemoryLimit(Ucmd u) {
        int limit = IommuTestCmd.MemoryLimit.LIMIT.get(u.cmd);
        if (Integer.compareUnsigned(limit, Long.BYTES + Integer.BYTES) < 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    /**
     * iommufd_test_dev_check_cache: EINVAL unless the mock device's cache entry holds the value
     * (IOMMU_TEST_DEV_CACHE_DEFAULT until a vIOMMU cache invalidation clears it).
     */
    private static void checkDevCache(Ucmd u, int id) {
        IommufdDevice idev = HwptIoctls.getDevice(u, id);
        try {
            int cacheId = IommuTestCmd.CheckDevCache.ID.get(u.cmd);
            if (Integer.compareUnsigned(cacheId, IommufdTestConst.MOCK_DEV_CACHE_ID_MAX) > 0
                    || idev.dev.driver() != IommuDriver.MOCK) {
                throw new ErrnoException(Errno.EINVAL);
            }
            synchronized (idev.mockCache) {
                if (idev.mockCache[cacheId] != IommuTestCmd.CheckDevCache.CACHE.get(u.cmd)) {
                    throw new ErrnoException(Errno.EINVAL);
                }
            }
        } finally {
            u.ctx.put(idev);
        }
    }

    /** The page a domain maps at physical address {@code pa}; null where none can be (unmapped). */
    private static PhysicalPages.Run mappedPage(long pa) {
        try {
            return PhysicalPages.ofPhysical(pa);
        } catch (ErrnoException e) {
            return null;
        }
    }
}
