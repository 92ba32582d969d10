package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioInfoCapHeader;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIommuType1DmaMap;
import io.jvfio.abi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.abi.vfio.VfioIommuType1Info;
import io.jvfio.abi.vfio.VfioIommuType1InfoCapIovaRange;
import io.jvfio.abi.vfio.VfioIommuType1InfoDmaAvail;
import io.jvfio.abi.vfio.VfioIovaRange;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.VfioArgsz;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * VFIO type1 container emulation on /dev/iommu (the kernel's vfio_compat.c): the container ioctls
 * act on the context's compatibility IOAS, set with IOMMU_VFIO_IOAS or created when a VFIO group
 * joins the iommufd.
 */
final class VfioCompat {
    /** CONFIG_VFIO_NOIOMMU, as distribution kernels build it. */
    private static final boolean NOIOMMU_CONFIGURED = true;

    private VfioCompat() {}

    /** IOMMU_VFIO_IOAS: GET/SET/CLEAR the compatibility IOAS; never creates or destroys an IOAS. */
    static void vfioIoas(Ucmd u) {
        MemorySegment c = u.cmd;
        if (IommuVfioIoas.RESERVED.get(c) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        switch (IommuVfioIoas.OP.get(c)) {
            case IommuVfioIoas.GET -> {
                Ioas ioas = u.ctx.getCompatIoas();
                IommuVfioIoas.IOAS_ID.set(c, ioas.id());
                u.ctx.put(ioas);
                u.respond();
            }
            case IommuVfioIoas.SET -> {
                Ioas ioas = u.ctx.getIoas(IommuVfioIoas.IOAS_ID.get(c));
                u.ctx.setCompatIoas(ioas);
                u.ctx.put(ioas);
            }
            case IommuVfioIoas.CLEAR -> u.ctx.setCompatIoas(null);
            default -> throw new ErrnoException(Errno.EOPNOTSUPP);
        }
    }

    /**
     * iommufd_vfio_ioctl: the VFIO container requests on /dev/iommu; anything else (including
     * VFIO_IOMMU_DIRTY_PAGES) is ENOTTY.
     */
    static long ioctl(IommufdCtx ctx, long request, long arg) {
        if (request == VfioIoctl.VFIO_GET_API_VERSION) {
            return VfioConst.VFIO_API_VERSION;
        } else if (request == VfioIoctl.VFIO_SET_IOMMU) {
            setIommu(ctx, arg);
            return 0;
        } else if (request == VfioIoctl.VFIO_CHECK_EXTENSION) {
            return checkExtension(ctx, arg);
        } else if (request == VfioIoctl.VFIO_IOMMU_GET_INFO) {
            getInfo(ctx, arg);
            return 0;
        } else if (request == VfioIoctl.VFIO_IOMMU_MAP_DMA) {
            mapDma(ctx, arg);
            return 0;
        } else if (request == VfioIoctl.VFIO_IOMMU_UNMAP_DMA) {
            unmapDma(ctx, arg);
            return 0;
        }
        throw new ErrnoException(Errno.ENOIOCTLCMD);
    }

    /**
     * VFIO_GROUP_SET_CONTAINER with an iommufd (for the VFIO group code): creates the compat IOAS
     * unless one exists; EINVAL in no-IOMMU mode.
     */
    static void compatIoasCreate(IommufdCtx ctx) {
        Ioas ioas = Ioas.alloc(ctx);
        synchronized (ctx.objects) {
            if (ctx.noIommuMode() || ctx.hasCompatIoas()) {
                boolean noIommu = ctx.noIommuMode();
                ctx.objects.abort(ioas);
                if (noIommu) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                return;
            }
            ctx.setCompatIoas(ioas);
        }
        // Published outside the table lock, as the kernel finalizes after dropping xa_lock.
        ctx.publish(ioas);
    }

    private static long checkExtension(IommufdCtx ctx, long type) {
        if (type == VfioConst.VFIO_TYPE1_IOMMU
                || type == VfioConst.VFIO_TYPE1v2_IOMMU
                || type == VfioConst.VFIO_UNMAP_ALL) {
            return ctx.noIommuMode() ? 0 : 1;
        } else if (type == VfioConst.VFIO_NOIOMMU_IOMMU) {
            return NOIOMMU_CONFIGURED ? 1 : 0;
        } else if (type == VfioConst.VFIO_DMA_CC_IOMMU) {
            // Every HWPT of the compat IOAS must enforce coherency; part 1 has no HWPTs.
            ctx.put(ctx.getCompatIoas());
            return 1;
        }
        return 0;
    }

    private static void setIommu(IommufdCtx ctx, long type) {
        boolean noIommu = ctx.noIommuMode();
        if (NOIOMMU_CONFIGURED && type == VfioConst.VFIO_NOIOMMU_IOMMU && noIommu) {
            if (!ctx.kernel.currentTask().capSysRawio()) {
                throw new ErrnoException(Errno.EPERM);
            }
            return;
        }
        if ((type != VfioConst.VFIO_TYPE1_IOMMU && type != VfioConst.VFIO_TYPE1v2_IOMMU) || noIommu) {
            throw new ErrnoException(Errno.EINVAL);
        }
        Ioas ioas = ctx.getCompatIoas();
        try {
            // Type1 (v1) may unmap inside a mapping, which needs areas split at PAGE_SIZE.
            if (type == VfioConst.VFIO_TYPE1_IOMMU) {
                ioas.iopt.disableLargePages();
            }
        } finally {
            ctx.put(ioas);
        }
    }

    private static void mapDma(IommufdCtx ctx, long arg) {
        try (Arena arena = Arena.ofConfined()) {
            long minsz = VfioIommuType1DmaMap.SIZE.offset() + 8;
            MemorySegment map = VfioArgsz.copyIn(arg, minsz, arena);
            int flags = VfioIommuType1DmaMap.FLAGS.get(map);
            int supported = VfioIommuType1DmaMap.FLAG_READ | VfioIommuType1DmaMap.FLAG_WRITE;
            if ((flags & ~supported) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int mapFlags = IommuIoasMap.FLAG_FIXED_IOVA
                    | ((flags & VfioIommuType1DmaMap.FLAG_READ) != 0 ? IommuIoasMap.FLAG_READABLE : 0)
                    | ((flags & VfioIommuType1DmaMap.FLAG_WRITE) != 0 ? IommuIoasMap.FLAG_WRITEABLE : 0);
            Ioas ioas = ctx.getCompatIoas();
            try {
                Ioas.mapUser(
                        ctx,
                        ioas,
                        VfioIommuType1DmaMap.VADDR.get(map),
                        VfioIommuType1DmaMap.SIZE.get(map),
                        VfioIommuType1DmaMap.IOVA.get(map),
                        mapFlags);
            } finally {
                ctx.put(ioas);
            }
        }
    }

    /** UNMAP_DMA: unlike IOAS_UNMAP, finding nothing succeeds with size 0; size is written back even on error. */
    private static void unmapDma(IommufdCtx ctx, long arg) {
        try (Arena arena = Arena.ofConfined()) {
            long minsz = VfioIommuType1DmaUnmap.SIZE.offset() + 8;
            MemorySegment unmap = VfioArgsz.copyIn(arg, minsz, arena);
            int flags = VfioIommuType1DmaUnmap.FLAGS.get(unmap);
            if ((flags & ~VfioIommuType1DmaUnmap.FLAG_ALL) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            long iova = VfioIommuType1DmaUnmap.IOVA.get(unmap);
            long size = VfioIommuType1DmaUnmap.SIZE.get(unmap);
            Ioas ioas = ctx.getCompatIoas();
            try {
                long[] unmapped = new long[1];
                ErrnoException failure = null;
                if ((flags & VfioIommuType1DmaUnmap.FLAG_ALL) != 0) {
                    if (iova != 0 || size != 0) {
                        throw new ErrnoException(Errno.EINVAL);
                    }
                    unmapped[0] = ioas.iopt.unmapAll();
                } else {
                    if (ioas.iopt.largePagesDisabled()) {
                        // Type1 v1 lets an unmap cut mappings: split at both ends first.
                        long[] cuts = iova != 0 ? new long[] {iova + size - 1, iova - 1} : new long[] {iova + size - 1};
                        ioas.iopt.cutIova(cuts);
                    }
                    try {
                        ioas.iopt.unmapIova(iova, size, unmapped);
                    } catch (ErrnoException e) {
                        failure = e;
                    }
                }
                VfioIommuType1DmaUnmap.SIZE.set(unmap, unmapped[0]);
                UserMemory.copyOut(unmap, arg, minsz);
                if (failure != null) {
                    throw failure;
                }
            } finally {
                ctx.put(ioas);
            }
        }
    }

    /**
     * VFIO_IOMMU_GET_INFO: page sizes and the capability chain (DMA_AVAIL, then IOVA_RANGE). Writes
     * never pass the caller's argsz; {@code argsz} returns the size the whole chain needs, and
     * {@code cap_offset} is set only when it all fit.
     */
    private static void getInfo(IommufdCtx ctx, long arg) {
        try (Arena arena = Arena.ofConfined()) {
            long minsz = VfioIommuType1Info.IOVA_PGSIZES.offset() + 8;
            MemorySegment info = VfioArgsz.copyIn(arg, minsz, VfioIommuType1Info.DEF.size(), arena);
            long argsz = VfioArgsz.of(info);
            long copyLen = Math.min(argsz, VfioIommuType1Info.DEF.size());
            Ioas ioas = ctx.getCompatIoas();
            try {
                VfioIommuType1Info.FLAGS.set(info, VfioIommuType1Info.INFO_PGSIZES);
                VfioIommuType1Info.IOVA_PGSIZES.set(info, pageSizes(ioas));
                VfioIommuType1Info.CAP_OFFSET.set(info, 0);
                ioas.iopt.iovaLock.readLock().lock();
                try {
                    long total = VfioIommuType1Info.DEF.size();
                    long lastCap = -1;
                    for (int i = 0; i < 2; i++) {
                        long avail = argsz > total ? argsz - total : 0;
                        long capSize = i == 0
                                ? fillDmaAvail(arg + total, avail, arena)
                                : fillIovaRanges(ioas, arg + total, avail, arena);
                        capSize = (capSize + 7) & ~7L;
                        if (lastCap != -1 && argsz >= total) {
                            UserMemory.putU32(lastCap + VfioInfoCapHeader.NEXT.offset(), (int) total);
                        }
                        lastCap = arg + total;
                        total += capSize;
                    }
                    if (argsz >= total) {
                        VfioIommuType1Info.CAP_OFFSET.set(info, (int) VfioIommuType1Info.DEF.size());
                    }
                    VfioIommuType1Info.ARGSZ.set(info, (int) total);
                    VfioIommuType1Info.FLAGS.set(info, VfioIommuType1Info.INFO_PGSIZES | VfioIommuType1Info.INFO_CAPS);
                    UserMemory.copyOut(info, arg, copyLen);
                } finally {
                    ioas.iopt.iovaLock.readLock().unlock();
                }
            } finally {
                ctx.put(ioas);
            }
        }
    }

    /** iommufd_get_pagesizes: AND of the domains' sizes, sub-page sizes folded into PAGE_SIZE, at least the alignment. */
    private static long pageSizes(Ioas ioas) {
        long bitmap = ioas.iopt.pgsizeBitmap();
        if ((bitmap & (Pages.PAGE_SIZE - 1)) != 0) {
            bitmap &= ~(Pages.PAGE_SIZE - 1);
            bitmap |= Pages.PAGE_SIZE;
        }
        return IoPagetable.umax(bitmap, ioas.iopt.iovaAlignment());
    }

    private static long fillDmaAvail(long cap, long avail, Arena arena) {
        MemorySegment c = VfioIommuType1InfoDmaAvail.DEF.allocate(arena);
        if (avail >= c.byteSize()) {
            MemorySegment header = VfioIommuType1InfoDmaAvail.HEADER.element(c, 0);
            VfioInfoCapHeader.ID.set(header, VfioIommuType1Info.INFO_DMA_AVAIL);
            VfioInfoCapHeader.VERSION.set(header, 1);
            // No limit on the number of mappings.
            VfioIommuType1InfoDmaAvail.AVAIL.set(c, -1);
            UserMemory.copyOut(c, cap, c.byteSize());
        }
        return c.byteSize();
    }

    private static long fillIovaRanges(Ioas ioas, long cap, long avail, Arena arena) {
        long headerSize = VfioIommuType1InfoCapIovaRange.DEF.size();
        long rangeSize = VfioIovaRange.DEF.size();
        MemorySegment range = VfioIovaRange.DEF.allocate(arena);
        long[] n = new long[1];
        ioas.iopt.forEachUsableRange((start, last) -> {
            if (avail >= headerSize + rangeSize * (n[0] + 1)) {
                VfioIovaRange.START.set(range, start);
                VfioIovaRange.END.set(range, last);
                UserMemory.copyOut(range, cap + headerSize + rangeSize * n[0], rangeSize);
            }
            n[0]++;
        });
        long size = headerSize + rangeSize * n[0];
        if (avail >= size) {
            MemorySegment c = VfioIommuType1InfoCapIovaRange.DEF.allocate(arena);
            MemorySegment header = VfioIommuType1InfoCapIovaRange.HEADER.element(c, 0);
            VfioInfoCapHeader.ID.set(header, VfioIommuType1Info.INFO_CAP_IOVA_RANGE);
            VfioInfoCapHeader.VERSION.set(header, 1);
            VfioIommuType1InfoCapIovaRange.NR_IOVAS.set(c, (int) n[0]);
            UserMemory.copyOut(c, cap, headerSize);
        }
        return size;
    }
}
