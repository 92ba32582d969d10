package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuViommuAlloc;
import io.jvfio.abi.selftest.IommuViommuInvalidateSelftest;
import io.jvfio.abi.selftest.IommuViommuSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.iommu.Iommu;
import io.jvfio.emulator.iommu.IommuDriver;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A vIOMMU ({@code struct iommufd_viommu}, viommu.c) on a NEST_PARENT paging HWPT, for the mock
 * driver only; it holds its vDEVICEs by virtual ID and, allocated with data, the mock's two
 * mmappable pages.
 */
final class Viommu extends IommufdObject {
    final HwptPaging hwpt;
    final Iommu iommu;
    /** {@code vdevs}: virtual ID to vDEVICE; guarded by this. */
    final Map<Long, Vdevice> vdevs = new HashMap<>();
    /** {@code veventqs}: one vEVENTQ per type; guarded by itself. */
    final Map<Integer, Veventq> veventqs = new HashMap<>();
    /** mock_viommu.hw_queue: the HW queues by index; guarded by itself. */
    final HwQueue[] hwQueues = new HwQueue[IommufdTestConst.IOMMU_TEST_HW_QUEUE_MAX];

    private final IommufdCtx ictx;
    /** The mock's mmap region (mock_viommu.page and mmap_offset), if allocated with data. */
    private MmapTable.Immap mmapPages;

    private Viommu(IommufdCtx ictx, HwptPaging hwpt, Iommu iommu) {
        super(ObjectType.VIOMMU);
        this.ictx = ictx;
        this.hwpt = hwpt;
        this.iommu = iommu;
    }

    /**
     * iommufd_viommu_alloc_ioctl: EOPNOTSUPP for flags, the DEFAULT type or a driver/type without
     * vIOMMU support; ENOENT for the device or HWPT; EINVAL for a HWPT without NEST_PARENT; then the
     * mock's data (rule 24 copy rules; {@code in_data} echoed to {@code out_data}).
     */
    static void alloc(Ucmd u) {
        MemorySegment c = u.cmd;
        int type = IommuViommuAlloc.TYPE.get(c);
        if (IommuViommuAlloc.FLAGS.get(c) != 0 || type == IommuViommuAlloc.TYPE_DEFAULT) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        IommufdDevice idev = HwptIoctls.getDevice(u, IommuViommuAlloc.DEV_ID.get(c));
        try {
            if (idev.dev.driver() != IommuDriver.MOCK || type != IommufdTestConst.IOMMU_VIOMMU_TYPE_SELFTEST) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            HwptPaging hwpt = HwptIoctls.getHwptPaging(u, IommuViommuAlloc.HWPT_ID.get(c));
            try {
                if (!hwpt.nestParent) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                Viommu viommu = new Viommu(u.ctx, hwpt, idev.dev.iommu());
                u.ctx.objects.allocate(viommu);
                u.newObj = viommu;
                hwpt.incUsers();
                long len = IommuViommuAlloc.DATA_LEN.getUnsigned(c);
                if (len != 0) {
                    viommu.mockInit(new UserData(type, IommuViommuAlloc.DATA_UPTR.get(c), len), u.arena);
                }
                IommuViommuAlloc.OUT_VIOMMU_ID.set(c, viommu.id());
                u.respond();
            } finally {
                u.ctx.put(hwpt);
            }
        } finally {
            u.ctx.put(idev);
        }
    }

    /**
     * mock_viommu_init with data: two zeroed pages, the first word {@code in_data}, registered for
     * mmap; {@code out_data} echoes {@code in_data} and {@code out_mmap_offset/length} say where
     * the pages are. The pages go when the vIOMMU does (or the copy-back fails).
     */
    private void mockInit(UserData data, Arena arena) {
        MemorySegment d = data.copyStruct(
                IommuViommuSelftest.DEF,
                IommufdTestConst.IOMMU_VIOMMU_TYPE_SELFTEST,
                IommuViommuSelftest.OUT_DATA.offset() + 4,
                arena);
        ictx.kernel.faults().point("__get_free_pages");
        NativeKernel nk = NativeKernel.instance();
        int pages = nk.memfd("mock_viommu", 0);
        try {
            nk.ftruncate(pages, 2 * Linux.PAGE_SIZE);
            nk.pwrite(pages, d.asSlice(IommuViommuSelftest.IN_DATA.offset(), 4), 0);
            mmapPages = ictx.mmaps.alloc(this, 2 * Linux.PAGE_SIZE, pages);
        } catch (RuntimeException e) {
            nk.close(pages);
            throw e;
        }
        IommuViommuSelftest.OUT_DATA.set(d, IommuViommuSelftest.IN_DATA.get(d));
        IommuViommuSelftest.OUT_MMAP_LENGTH.set(d, mmapPages.length());
        IommuViommuSelftest.OUT_MMAP_OFFSET.set(d, mmapPages.offset());
        UserMemory.copyOut(d, data.uptr(), Math.min(data.len(), IommuViommuSelftest.DEF.size()));
    }

    /**
     * iommufd_viommu_report_event: queues {@code data} on the vEVENTQ of {@code type}
     * (EOPNOTSUPP if there is none).
     */
    void reportEvent(int type, byte[] data) {
        synchronized (veventqs) {
            Veventq q = veventqs.get(type);
            if (q == null) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            q.report(data);
        }
    }

    /**
     * mock_viommu_cache_invalidate: a zero-length array of the SELFTEST type only validates it;
     * otherwise the whole array is copied first (EINVAL for another type or no entries, EFAULT,
     * E2BIG for non-zero bytes past the kernel's entry), then entries are applied in order until
     * one fails: EOPNOTSUPP for unknown flags, EINVAL for a cache ID above the maximum or an
     * unknown virtual ID. {@code done[0]} counts the entries applied.
     */
    void cacheInvalidate(int type, long uptr, long entryLen, long entryNum, int[] done) {
        int dataType = IommufdTestConst.IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST;
        if (entryNum == 0 && type == dataType) {
            return;
        }
        if (type != dataType || entryNum == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long size = IommuViommuInvalidateSelftest.DEF.size();
        int[][] cmds = new int[(int) entryNum][];
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < entryNum; i++) {
                MemorySegment user = UserMemory.copyIn(uptr + entryLen * i, entryLen, arena);
                for (long b = size; b < entryLen; b++) {
                    if (user.get(ValueLayout.JAVA_BYTE, b) != 0) {
                        throw new ErrnoException(Errno.E2BIG);
                    }
                }
                MemorySegment e = arena.allocate(size, 8);
                MemorySegment.copy(user, 0, e, 0, Math.min(size, entryLen));
                cmds[i] = new int[] {
                    IommuViommuInvalidateSelftest.FLAGS.get(e),
                    IommuViommuInvalidateSelftest.VDEV_ID.get(e),
                    IommuViommuInvalidateSelftest.CACHE_ID.get(e)
                };
            }
        }
        for (int[] cmd : cmds) {
            if ((cmd[0] & ~IommufdTestConst.IOMMU_TEST_INVALIDATE_FLAG_ALL) != 0) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            if (Integer.compareUnsigned(cmd[2], IommufdTestConst.MOCK_DEV_CACHE_ID_MAX) > 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            synchronized (this) {
                Vdevice v = vdevs.get(Integer.toUnsignedLong(cmd[1]));
                if (v == null) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                int[] cache = v.idev.mockCache;
                synchronized (cache) {
                    if ((cmd[0] & IommufdTestConst.IOMMU_TEST_INVALIDATE_FLAG_ALL) != 0) {
                        Arrays.fill(cache, 0);
                    } else {
                        cache[cmd[2]] = 0;
                    }
                }
            }
            done[0]++;
        }
    }

    /** mock_viommu_destroy: the mmap region and its pages go too (no mapping is left: it would hold a user). */
    @Override
    void destroy() {
        if (mmapPages != null) {
            ictx.mmaps.destroy(mmapPages);
            NativeKernel.instance().close(mmapPages.hostFd());
        }
        hwpt.decUsers();
    }
}
