package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasAllowIovas;
import io.jvfio.abi.iommufd.IommuIoasChangeProcess;
import io.jvfio.abi.iommufd.IommuIoasCopy;
import io.jvfio.abi.iommufd.IommuIoasIovaRanges;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasMapFile;
import io.jvfio.abi.iommufd.IommuIoasUnmap;
import io.jvfio.abi.iommufd.IommuIovaRange;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.Task;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.dmabuf.DmaBuf;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * An I/O address space object ({@code struct iommufd_ioas}) and the IOAS ioctls (the kernel's
 * ioas.c). The address space itself is its {@link IoPagetable}.
 */
final class Ioas extends IommufdObject {
    private static final int MAP_FLAGS =
            IommuIoasMap.FLAG_FIXED_IOVA | IommuIoasMap.FLAG_WRITEABLE | IommuIoasMap.FLAG_READABLE;
    private static final long ULONG_MAX = IoPagetable.ULONG_MAX;

    final IoPagetable iopt;
    /** The paging HWPTs whose domains this IOAS fills ({@code hwpt_list}); guarded by {@link #mutex}. */
    final List<HwptPaging> hwpts = new ArrayList<>();
    /** {@code ioas->mutex}: serialises automatic domain selection and HWPT list changes. */
    final Object mutex = new Object();

    Ioas(IommufdCtx ctx) {
        super(ObjectType.IOAS);
        this.iopt = new IoPagetable(ctx.kernel.faults());
    }

    @Override
    void destroy() {
        iopt.unmapAll();
    }

    /** iommufd_ioas_alloc: a new, unpublished IOAS with an ID. */
    static Ioas alloc(IommufdCtx ctx) {
        Ioas ioas = new Ioas(ctx);
        ctx.objects.allocate(ioas);
        return ioas;
    }

    /** IOMMU_IOAS_ALLOC. */
    static void allocIoctl(Ucmd u) {
        if (IommuIoasAlloc.FLAGS.get(u.cmd) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        Ioas ioas = alloc(u.ctx);
        u.newObj = ioas;
        IommuIoasAlloc.OUT_IOAS_ID.set(u.cmd, ioas.id());
        u.respond();
    }

    /** IOMMU_IOAS_IOVA_RANGES: the header goes back before EMSGSIZE, so callers can size a retry. */
    static void iovaRanges(Ucmd u) {
        MemorySegment c = u.cmd;
        if (IommuIoasIovaRanges.RESERVED.get(c) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        Ioas ioas = u.ctx.getIoas(IommuIoasIovaRanges.IOAS_ID.get(c));
        try {
            long max = IommuIoasIovaRanges.NUM_IOVAS.getUnsigned(c);
            long user = IommuIoasIovaRanges.ALLOWED_IOVAS.get(c);
            long[] count = new long[1];
            MemorySegment elm = IommuIovaRange.DEF.allocate(u.arena);
            ioas.iopt.iovaLock.readLock().lock();
            try {
                IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.set(c, ioas.iopt.iovaAlignment());
                ioas.iopt.forEachUsableRange((start, last) -> {
                    if (count[0] < max) {
                        IommuIovaRange.START.set(elm, start);
                        IommuIovaRange.LAST.set(elm, last);
                        UserMemory.copyOut(elm, user + count[0] * IommuIovaRange.DEF.size(), elm.byteSize());
                    }
                    count[0]++;
                });
            } finally {
                ioas.iopt.iovaLock.readLock().unlock();
            }
            IommuIoasIovaRanges.NUM_IOVAS.set(c, (int) count[0]);
            u.respond();
            if (count[0] > max) {
                throw new ErrnoException(Errno.EMSGSIZE);
            }
        } finally {
            u.ctx.put(ioas);
        }
    }

    /** IOMMU_IOAS_ALLOW_IOVAS: replaces the allowed list as a whole, or not at all. */
    static void allowIovas(Ucmd u) {
        MemorySegment c = u.cmd;
        if (IommuIoasAllowIovas.RESERVED.get(c) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        Ioas ioas = u.ctx.getIoas(IommuIoasAllowIovas.IOAS_ID.get(c));
        try {
            long user = IommuIoasAllowIovas.ALLOWED_IOVAS.get(c);
            long num = IommuIoasAllowIovas.NUM_IOVAS.getUnsigned(c);
            TreeMap<Long, Long> ranges = new TreeMap<>(Long::compareUnsigned);
            for (long i = 0; i < num; i++) {
                MemorySegment r =
                        UserMemory.copyIn(user + i * IommuIovaRange.DEF.size(), IommuIovaRange.DEF.size(), u.arena);
                long start = IommuIovaRange.START.get(r);
                long last = IommuIovaRange.LAST.get(r);
                if (IoPagetable.ule(last, start)) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                var below = ranges.floorEntry(last);
                if (below != null && IoPagetable.ule(start, below.getValue())) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                u.ctx.kernel.faults().point("iopt_allowed_alloc");
                ranges.put(start, last);
            }
            ioas.iopt.setAllowed(ranges);
        } finally {
            u.ctx.put(ioas);
        }
    }

    private static int iommuProt(int flags) {
        return ((flags & IommuIoasMap.FLAG_WRITEABLE) != 0 ? IoPagetable.IOMMU_WRITE : 0)
                | ((flags & IommuIoasMap.FLAG_READABLE) != 0 ? IoPagetable.IOMMU_READ : 0);
    }

    /** The checks MAP, MAP_FILE and COPY share before looking up the IOAS. */
    private static void checkMapFlags(int flags, long... values) {
        for (long v : values) {
            if (v == ULONG_MAX) {
                throw new ErrnoException(Errno.EOVERFLOW);
            }
        }
        if ((flags & (IommuIoasMap.FLAG_WRITEABLE | IommuIoasMap.FLAG_READABLE)) == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    /** iopt_map_common: maps a fresh page set, moving its reference into the area on success. */
    private static long mapCommon(
            IommufdCtx ctx, Ioas ioas, Pages pages, long iova, long length, long startByte, int flags) {
        if (ctx.accountMode() == AccountMode.MM && pages.accountMode() == AccountMode.USER) {
            pages.setAccountMode(AccountMode.MM);
        }
        List<IoPagetable.Slice> slices = new ArrayList<>(1);
        slices.add(new IoPagetable.Slice(pages, startByte, length));
        try {
            return ioas.iopt.mapPages(
                    slices, length, iova, iommuProt(flags), (flags & IommuIoasMap.FLAG_FIXED_IOVA) == 0);
        } finally {
            IoPagetable.putSlices(slices);
        }
    }

    /** Maps user memory into {@code ioas}: IOAS_MAP and the VFIO compat MAP_DMA share it. */
    static long mapUser(IommufdCtx ctx, Ioas ioas, long userVa, long length, long iova, int flags) {
        Task task = ctx.kernel.currentTask();
        Pages pages = Pages.ofUser(ctx.kernel, task, userVa, length, (flags & IommuIoasMap.FLAG_WRITEABLE) != 0);
        return mapCommon(ctx, ioas, pages, iova, length, userVa % Pages.PAGE_SIZE, flags);
    }

    /** IOMMU_IOAS_MAP. */
    static void map(Ucmd u) {
        MemorySegment c = u.cmd;
        int flags = IommuIoasMap.FLAGS.get(c);
        if ((flags & ~MAP_FLAGS) != 0 || IommuIoasMap.RESERVED.get(c) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        checkMapFlags(flags, IommuIoasMap.IOVA.get(c), IommuIoasMap.LENGTH.get(c));
        Ioas ioas = u.ctx.getIoas(IommuIoasMap.IOAS_ID.get(c));
        try {
            long iova = mapUser(
                    u.ctx,
                    ioas,
                    IommuIoasMap.USER_VA.get(c),
                    IommuIoasMap.LENGTH.get(c),
                    IommuIoasMap.IOVA.get(c),
                    flags);
            IommuIoasMap.IOVA.set(c, iova);
            u.respond();
        } finally {
            u.ctx.put(ioas);
        }
    }

    /**
     * IOMMU_IOAS_MAP_FILE: a memfd (or other file) range, checked only when pages get pinned; or a
     * dma-buf range, checked and attached now (iopt_map_file_pages).
     */
    static void mapFile(Ucmd u) {
        MemorySegment c = u.cmd;
        int flags = IommuIoasMapFile.FLAGS.get(c);
        if ((flags & ~MAP_FLAGS) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        long start = IommuIoasMapFile.START.get(c);
        long length = IommuIoasMapFile.LENGTH.get(c);
        checkMapFlags(flags, IommuIoasMapFile.IOVA.get(c), length);
        Ioas ioas = u.ctx.getIoas(IommuIoasMapFile.IOAS_ID.get(c));
        try {
            if (length == 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (IoPagetable.ult(start + length - 1, start)) {
                throw new ErrnoException(Errno.EOVERFLOW);
            }
            OpenFile file = u.ctx.kernel.fget(IommuIoasMapFile.FD.get(c));
            boolean writable = (flags & IommuIoasMap.FLAG_WRITEABLE) != 0;
            Pages pages;
            if (file instanceof DmaBuf dmabuf) {
                try {
                    // The page set keeps the buffer reference on success.
                    pages = Pages.ofDmabuf(u.ctx.kernel, u.ctx.kernel.currentTask(), dmabuf, start, length, writable);
                } catch (RuntimeException e) {
                    dmabuf.put();
                    throw e;
                }
            } else {
                try {
                    pages = Pages.ofFile(u.ctx.kernel, u.ctx.kernel.currentTask(), file, start, length, writable);
                } finally {
                    file.put();
                }
            }
            long iova =
                    mapCommon(u.ctx, ioas, pages, IommuIoasMapFile.IOVA.get(c), length, start % Pages.PAGE_SIZE, flags);
            IommuIoasMapFile.IOVA.set(c, iova);
            u.respond();
        } finally {
            u.ctx.put(ioas);
        }
    }

    /** IOMMU_IOAS_COPY: new areas in the destination share the source's page sets. */
    static void copy(Ucmd u) {
        MemorySegment c = u.cmd;
        Selftest.syzConvIovaId(u, IommuIoasCopy.SRC_IOAS_ID, IommuIoasCopy.SRC_IOVA, IommuIoasCopy.FLAGS);
        int flags = IommuIoasCopy.FLAGS.get(c);
        if ((flags & ~MAP_FLAGS) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        long length = IommuIoasCopy.LENGTH.get(c);
        checkMapFlags(flags, length, IommuIoasCopy.SRC_IOVA.get(c), IommuIoasCopy.DST_IOVA.get(c));
        List<IoPagetable.Slice> slices;
        Ioas src = u.ctx.getIoas(IommuIoasCopy.SRC_IOAS_ID.get(c));
        try {
            slices = src.iopt.getPages(IommuIoasCopy.SRC_IOVA.get(c), length);
        } finally {
            u.ctx.put(src);
        }
        try {
            Ioas dst = u.ctx.getIoas(IommuIoasCopy.DST_IOAS_ID.get(c));
            try {
                long iova = dst.iopt.mapPages(
                        slices,
                        length,
                        IommuIoasCopy.DST_IOVA.get(c),
                        iommuProt(flags),
                        (flags & IommuIoasMap.FLAG_FIXED_IOVA) == 0);
                IommuIoasCopy.DST_IOVA.set(c, iova);
                u.respond();
            } finally {
                u.ctx.put(dst);
            }
        } finally {
            IoPagetable.putSlices(slices);
        }
    }

    /** IOMMU_IOAS_UNMAP: whole areas only; {@code iova 0, length U64_MAX} empties the IOAS. */
    static void unmap(Ucmd u) {
        MemorySegment c = u.cmd;
        Ioas ioas = u.ctx.getIoas(IommuIoasUnmap.IOAS_ID.get(c));
        try {
            long iova = IommuIoasUnmap.IOVA.get(c);
            long length = IommuIoasUnmap.LENGTH.get(c);
            long unmapped;
            if (iova == 0 && length == -1L) {
                unmapped = ioas.iopt.unmapAll();
            } else {
                if (iova == ULONG_MAX || length == ULONG_MAX) {
                    throw new ErrnoException(Errno.EOVERFLOW);
                }
                unmapped = ioas.iopt.unmapIova(iova, length, new long[1]);
                if (unmapped == 0) {
                    throw new ErrnoException(Errno.ENOENT);
                }
            }
            IommuIoasUnmap.LENGTH.set(c, unmapped);
            u.respond();
        } finally {
            u.ctx.put(ioas);
        }
    }

    /** IOMMU_OPTION_HUGE_PAGES on this IOAS. */
    static void optionHugePages(Ucmd u) {
        MemorySegment c = u.cmd;
        Ioas ioas = u.ctx.getIoas(IommuOption.OBJECT_ID.get(c));
        try {
            int op = IommuOption.OP.get(c);
            if (op == IommuOption.OP_GET) {
                IommuOption.VAL64.set(c, ioas.iopt.largePagesDisabled() ? 0 : 1);
            } else if (op == IommuOption.OP_SET) {
                long val = IommuOption.VAL64.get(c);
                if (val == 0) {
                    ioas.iopt.disableLargePages();
                } else if (val == 1) {
                    ioas.iopt.enableLargePages();
                } else {
                    throw new ErrnoException(Errno.EINVAL);
                }
            } else {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
        } finally {
            u.ctx.put(ioas);
        }
    }

    /**
     * IOMMU_IOAS_CHANGE_PROCESS: moves every page set's charges to the calling process, all or
     * nothing; only for contexts whose areas all came from MAP_FILE.
     */
    static void changeProcess(Ucmd u) {
        if (IommuIoasChangeProcess.RESERVED.get(u.cmd) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        IommufdCtx ctx = u.ctx;
        Task current = ctx.kernel.currentTask();
        List<Ioas> locked = new ArrayList<>();
        ctx.ioasCreationLock.writeLock().lock();
        try {
            // The only place that nests IOAS locks: always in ID order, under the creation lock.
            for (IommufdObject obj : ctx.objects.objects()) {
                if (obj instanceof Ioas ioas && tryGet(ctx, ioas)) {
                    ioas.iopt.iovaLock.writeLock().lock();
                    locked.add(ioas);
                }
            }
            Set<Pages> all = new LinkedHashSet<>();
            for (Ioas ioas : locked) {
                for (Area area : ioas.iopt.areasSnapshot()) {
                    if (area.pages == null) {
                        throw new ErrnoException(Errno.EBUSY);
                    }
                    if (!area.pages.isFile()) {
                        throw new ErrnoException(Errno.EINVAL);
                    }
                    all.add(area.pages);
                }
            }
            long[] perMode = new long[AccountMode.values().length];
            for (Pages p : all) {
                if (p.needsChargeUpdate(current)) {
                    perMode[p.accountMode().ordinal()] += p.npinned();
                }
            }
            int charged = 0;
            try {
                for (; charged < perMode.length; charged++) {
                    if (perMode[charged] > 0) {
                        Pages.charge(current, AccountMode.values()[charged], perMode[charged], true);
                    }
                }
            } catch (ErrnoException e) {
                for (int m = 0; m < charged; m++) {
                    if (perMode[m] > 0) {
                        Pages.charge(current, AccountMode.values()[m], perMode[m], false);
                    }
                }
                throw e;
            }
            for (Pages p : all) {
                p.moveTo(current);
            }
        } finally {
            for (Ioas ioas : locked) {
                ioas.iopt.iovaLock.writeLock().unlock();
                ctx.put(ioas);
            }
            ctx.ioasCreationLock.writeLock().unlock();
        }
    }

    /** A reference to {@code ioas} unless it is being destroyed. */
    private static boolean tryGet(IommufdCtx ctx, Ioas ioas) {
        try {
            ctx.objects.get(ioas.id(), ObjectType.IOAS);
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }
}
