package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.iommufd.IommuHwInfoVtd;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.abi.iommufd.IommuHwptInvalidate;
import io.jvfio.abi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.abi.selftest.IommuTestHwInfo;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.iommu.Domain;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.IommuDriver;
import io.jvfio.emulator.iommu.VtdCapabilities;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** IOMMU_HWPT_ALLOC (hw_pagetable.c) and IOMMU_GET_HW_INFO (device.c). */
final class HwptIoctls {
    private HwptIoctls() {}

    /** iommufd_get_device: the DEVICE object {@code id} with a reference (ENOENT). */
    static IommufdDevice getDevice(Ucmd u, int id) {
        return (IommufdDevice) u.ctx.objects.get(id, ObjectType.DEVICE);
    }

    /**
     * iommufd_hwpt_alloc: a paging HWPT on an IOAS (joining it at once, rule 21), or a nested one
     * on a paging HWPT or a vIOMMU. Rule 23's order: reserved,
     * data_type/data_len (EINVAL), dev_id (ENOENT), pt_id (EINVAL), then the flags.
     */
    static void alloc(Ucmd u) {
        MemorySegment c = u.cmd;
        if (IommuHwptAlloc.RESERVED.get(c) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        int dataType = IommuHwptAlloc.DATA_TYPE.get(c);
        long dataLen = IommuHwptAlloc.DATA_LEN.getUnsigned(c);
        if ((dataType == IommuHwptAlloc.DATA_NONE) != (dataLen == 0)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        int flags = IommuHwptAlloc.FLAGS.get(c);
        UserData data = new UserData(dataType, IommuHwptAlloc.DATA_UPTR.get(c), dataLen);
        IommufdDevice idev = getDevice(u, IommuHwptAlloc.DEV_ID.get(c));
        try {
            IommufdObject pt;
            try {
                pt = u.ctx.objects.get(IommuHwptAlloc.PT_ID.get(c), null);
            } catch (ErrnoException e) {
                throw new ErrnoException(Errno.EINVAL);
            }
            try {
                if (pt instanceof HwptPaging parent) {
                    HwptNested nested = HwptNested.alloc(u.ctx, parent, idev, flags, data);
                    u.newObj = nested;
                    setFault(u, nested, flags);
                    IommuHwptAlloc.OUT_HWPT_ID.set(c, nested.id());
                    u.respond();
                    return;
                }
                if (pt instanceof Viommu viommu) {
                    if (viommu.iommu != idev.dev.iommu()) {
                        throw new ErrnoException(Errno.EINVAL);
                    }
                    HwptNested nested = HwptNested.allocOnViommu(u.ctx, viommu, flags, data);
                    u.newObj = nested;
                    setFault(u, nested, flags);
                    IommuHwptAlloc.OUT_HWPT_ID.set(c, nested.id());
                    u.respond();
                    return;
                }
                if (!(pt instanceof Ioas ioas)) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                synchronized (ioas.mutex) {
                    HwptPaging hwpt = HwptPaging.alloc(
                            u.ctx, ioas, idev, IommufdDevice.NO_PASID, flags, false, dataLen == 0 ? null : data);
                    u.newObj = hwpt;
                    setFault(u, hwpt, flags);
                    IommuHwptAlloc.OUT_HWPT_ID.set(c, hwpt.id());
                    u.respond();
                }
            } finally {
                u.ctx.put(pt);
            }
        } finally {
            u.ctx.put(idev);
        }
    }

    /** IOMMU_HWPT_FAULT_ID_VALID: the HWPT keeps a reference on the FAULT object {@code fault_id} (ENOENT). */
    private static void setFault(Ucmd u, HwPagetable hwpt, int flags) {
        if ((flags & IommuHwptAlloc.FAULT_ID_VALID) != 0) {
            hwpt.fault = (Fault) u.ctx.objects.get(IommuHwptAlloc.FAULT_ID.get(u.cmd), ObjectType.FAULT);
            // The HWPT's own domain: a mock nested HWPT translates through its parent's.
            Domain own = hwpt instanceof HwptPaging paging ? paging.domain : ((HwptNested) hwpt).domain;
            if (own != null) {
                own.setIopfHandler(request -> IommufdDevice.pageRequest(u.ctx, hwpt, request));
            }
        }
    }

    /** IOMMU_HWPT_INVALIDATE_ENTRY_NUM_MAX. */
    private static final long INVALIDATE_ENTRY_NUM_MAX = 1L << 19;

    /**
     * IOMMU_HWPT_INVALIDATE (rule 25): the target must be a nested HWPT (a paging one is EINVAL);
     * {@code entry_num} is written back on every outcome with the number of entries applied.
     */
    static void invalidate(Ucmd u) {
        MemorySegment c = u.cmd;
        int[] done = new int[1];
        RuntimeException failure = null;
        try {
            if (IommuHwptInvalidate.RESERVED.get(c) != 0) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            long uptr = IommuHwptInvalidate.DATA_UPTR.get(c);
            long entryLen = IommuHwptInvalidate.ENTRY_LEN.getUnsigned(c);
            long entryNum = IommuHwptInvalidate.ENTRY_NUM.getUnsigned(c);
            if (entryNum != 0
                    && (uptr == 0
                            || entryLen == 0
                            || entryLen > Pages.PAGE_SIZE
                            || entryNum > INVALIDATE_ENTRY_NUM_MAX)) {
                throw new ErrnoException(Errno.EINVAL);
            }
            IommufdObject pt = u.ctx.objects.get(IommuHwptInvalidate.HWPT_ID.get(c), null);
            try {
                if (pt instanceof HwptNested nested) {
                    nested.invalidate(
                            new UserData(IommuHwptInvalidate.DATA_TYPE.get(c), uptr, entryLen),
                            entryLen,
                            entryNum,
                            done);
                } else if (pt instanceof Viommu viommu) {
                    viommu.cacheInvalidate(IommuHwptInvalidate.DATA_TYPE.get(c), uptr, entryLen, entryNum, done);
                } else {
                    throw new ErrnoException(Errno.EINVAL);
                }
            } finally {
                u.ctx.put(pt);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        IommuHwptInvalidate.ENTRY_NUM.set(c, done[0]);
        try {
            u.respond();
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.EFAULT);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** iommufd_get_hwpt_paging: ENOENT for a missing ID or another kind of object. */
    static HwptPaging getHwptPaging(Ucmd u, int id) {
        return (HwptPaging) u.ctx.objects.get(id, ObjectType.HWPT_PAGING);
    }

    /** IOMMU_HWPT_SET_DIRTY_TRACKING (rule 26): EOPNOTSUPP for unknown flags or a HWPT without dirty ops. */
    static void setDirtyTracking(Ucmd u) {
        int flags = IommuHwptSetDirtyTracking.FLAGS.get(u.cmd);
        if ((flags & ~IommuHwptSetDirtyTracking.DIRTY_TRACKING_ENABLE) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        HwptPaging hwpt = getHwptPaging(u, IommuHwptSetDirtyTracking.HWPT_ID.get(u.cmd));
        try {
            hwpt.ioas.iopt.setDirtyTracking(
                    hwpt.domain, (flags & IommuHwptSetDirtyTracking.DIRTY_TRACKING_ENABLE) != 0);
        } finally {
            u.ctx.put(hwpt);
        }
    }

    /**
     * IOMMU_HWPT_GET_DIRTY_BITMAP (rule 26): iommufd_check_iova_range (EOVERFLOW, EINVAL against
     * the IOAS alignment and page_size), then bit n of {@code data} is set for every page_size unit
     * n that a dirty IOPTE touches; bits are only ever set. Failures inside the walk (a gap, a
     * bitmap that faults) are not reported, as in the kernel.
     */
    static void getDirtyBitmap(Ucmd u) {
        MemorySegment c = u.cmd;
        int flags = IommuHwptGetDirtyBitmap.FLAGS.get(c);
        if ((flags & ~IommuHwptGetDirtyBitmap.NO_CLEAR) != 0 || IommuHwptGetDirtyBitmap.RESERVED.get(c) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        HwptPaging hwpt = getHwptPaging(u, IommuHwptGetDirtyBitmap.HWPT_ID.get(c));
        try {
            long iova = IommuHwptGetDirtyBitmap.IOVA.get(c);
            long length = IommuHwptGetDirtyBitmap.LENGTH.get(c);
            long pageSize = IommuHwptGetDirtyBitmap.PAGE_SIZE.get(c);
            long last = iova + length - 1;
            if (Long.compareUnsigned(last, iova) < 0 && length != 0 || length == 0 && iova != 0) {
                throw new ErrnoException(Errno.EOVERFLOW);
            }
            long align = hwpt.ioas.iopt.iovaAlignment();
            if ((iova & (align - 1)) != 0 || ((last + 1) & (align - 1)) != 0 || pageSize == 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (Long.remainderUnsigned(iova, pageSize) != 0 || Long.remainderUnsigned(last + 1, pageSize) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (!hwpt.domain.hasDirtyOps()) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            long data = IommuHwptGetDirtyBitmap.DATA.get(c);
            boolean noClear = (flags & IommuHwptGetDirtyBitmap.NO_CLEAR) != 0;
            try {
                hwpt.ioas.iopt.readAndClearDirty(hwpt.domain, iova, last, noClear, (dIova, dLen) -> {
                    long first = Long.divideUnsigned(dIova - iova, pageSize);
                    long lastBit = Long.divideUnsigned(dIova + dLen - 1 - iova, pageSize);
                    setBits(data, first, lastBit);
                });
            } catch (ErrnoException e) {
                // iova_bitmap_for_each's result is dropped by iommu_read_and_clear_dirty.
            }
        } finally {
            u.ctx.put(hwpt);
        }
    }

    /** Sets bits [first, last] of the user bitmap at {@code data}, one u64 word at a time. */
    private static void setBits(long data, long first, long last) {
        try (Arena arena = Arena.ofConfined()) {
            for (long word = first >>> 6; word <= last >>> 6; word++) {
                long lo = Math.max(first, word << 6) & 63;
                long hi = Math.min(last, (word << 6) + 63) & 63;
                long mask = (hi == 63 ? -1L : (1L << (hi + 1)) - 1) & (-1L << lo);
                long addr = data + word * 8;
                MemorySegment w = UserMemory.copyIn(addr, 8, arena);
                w.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, w.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) | mask);
                UserMemory.copyOut(w, addr, 8);
            }
        }
    }

    /** iommufd_get_hw_info: copies min(data_len, driver's), zero-fills the rest, returns the driver's length. */
    static void getHwInfo(Ucmd u) {
        MemorySegment c = u.cmd;
        int flags = IommuHwInfo.FLAGS.get(c);
        if ((flags & ~IommuHwInfo.FLAG_INPUT_TYPE) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        MemorySegment reserved = c.asSlice(IommuHwInfo.RESERVED.offset(), IommuHwInfo.RESERVED.size());
        for (long i = 0; i < reserved.byteSize(); i++) {
            if (reserved.get(ValueLayout.JAVA_BYTE, i) != 0) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
        }
        int inType =
                (flags & IommuHwInfo.FLAG_INPUT_TYPE) != 0 ? IommuHwInfo.IN_DATA_TYPE.get(c) : IommuHwInfo.TYPE_DEFAULT;
        IommufdDevice idev = getDevice(u, IommuHwInfo.DEV_ID.get(c));
        try {
            IommuDevice dev = idev.dev;
            IommuDriver driver = dev.driver();
            if (inType != IommuHwInfo.TYPE_DEFAULT && inType != driver.hwInfoType()) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            MemorySegment info;
            if (driver == IommuDriver.MOCK) {
                info = IommuTestHwInfo.DEF.allocate(u.arena);
                IommuTestHwInfo.TEST_REG.set(info, IommufdTestConst.IOMMU_HW_INFO_SELFTEST_REGVAL);
            } else {
                // intel_iommu_hw_info: the unit's registers, and the erratum flag 7.2 always sets.
                VtdCapabilities caps = dev.iommu().vtdCapabilities();
                info = IommuHwInfoVtd.DEF.allocate(u.arena);
                IommuHwInfoVtd.FLAGS.set(info, IommuHwInfoVtd.ERRATA_772415_SPR17);
                IommuHwInfoVtd.CAP_REG.set(info, caps.cap());
                IommuHwInfoVtd.ECAP_REG.set(info, caps.ecap());
            }
            long userLen = IommuHwInfo.DATA_LEN.getUnsigned(c);
            long uptr = IommuHwInfo.DATA_UPTR.get(c);
            long copy = Math.min(userLen, info.byteSize());
            UserMemory.copyOut(info, uptr, copy);
            if (copy < userLen) {
                UserMemory.copyOut(u.arena.allocate(userLen - copy), uptr + copy, userLen - copy);
            }
            IommuHwInfo.OUT_DATA_TYPE.set(c, driver.hwInfoType());
            IommuHwInfo.DATA_LEN.set(c, (int) info.byteSize());
            long caps = IommuHwInfo.HW_CAP_PCI_ATS_NOT_SUPPORTED;
            if (dev.dirtyTracking()) {
                caps |= IommuHwInfo.HW_CAP_DIRTY_TRACKING;
            }
            IommuHwInfo.OUT_CAPABILITIES.set(c, caps);
            IommuHwInfo.OUT_MAX_PASID_LOG2.set(
                    c, dev.maxPasids() == 0 ? 0 : 31 - Integer.numberOfLeadingZeros(dev.maxPasids()));
            u.respond();
        } finally {
            u.ctx.put(idev);
        }
    }
}
