package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommuFaultAlloc;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasCopy;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasMapFile;
import io.jvfio.abi.iommufd.IommuIoasUnmap;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.EmulatorConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An emulated kernel with /dev/iommu open, ioctl helpers, and access to the internals the
 * emulator-only tests inspect (IOAS objects, pin counters).
 */
final class Harness implements AutoCloseable {
    static final long PAGE = Linux.PAGE_SIZE;
    static final int RW = IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE;
    static final int FIXED = IommuIoasMap.FLAG_FIXED_IOVA;

    final EmulatedKernel kernel;
    final int fd;
    final IommufdCtx ctx;
    final Arena arena = Arena.ofShared();
    private final List<MemorySegment> mappings = new ArrayList<>();

    Harness(EmulatorConfig config) {
        kernel = EmulatedKernel.create(config);
        fd = kernel.open("/dev/iommu", Linux.O.RDWR);
        IommufdFile file = (IommufdFile) kernel.fget(fd);
        ctx = file.ctx;
        file.put();
    }

    Harness() {
        this(EmulatorConfig.defaults());
    }

    static Errno errno(Runnable call) {
        try {
            call.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        throw new AssertionError("expected the call to fail");
    }

    MemorySegment buffer(long bytes, int prot) {
        MemorySegment m = kernel.mmap(bytes, prot, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        mappings.add(m);
        return m;
    }

    MemorySegment buffer(long bytes) {
        return buffer(bytes, Linux.Prot.READ | Linux.Prot.WRITE);
    }

    Ioas ioas(int id) {
        Ioas ioas = ctx.getIoas(id);
        ctx.put(ioas);
        return ioas;
    }

    int ioasAlloc() {
        MemorySegment s = IommuIoasAlloc.DEF.allocate(arena);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_ALLOC, s);
        return IommuIoasAlloc.OUT_IOAS_ID.get(s);
    }

    long map(int ioas, int flags, long va, long length, long iova) {
        MemorySegment s = IommuIoasMap.DEF.allocate(arena);
        IommuIoasMap.FLAGS.set(s, flags);
        IommuIoasMap.IOAS_ID.set(s, ioas);
        IommuIoasMap.USER_VA.set(s, va);
        IommuIoasMap.LENGTH.set(s, length);
        IommuIoasMap.IOVA.set(s, iova);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_MAP, s);
        return IommuIoasMap.IOVA.get(s);
    }

    long mapFile(int ioas, int flags, int file, long start, long length, long iova) {
        MemorySegment s = IommuIoasMapFile.DEF.allocate(arena);
        IommuIoasMapFile.FLAGS.set(s, flags);
        IommuIoasMapFile.IOAS_ID.set(s, ioas);
        IommuIoasMapFile.FD.set(s, file);
        IommuIoasMapFile.START.set(s, start);
        IommuIoasMapFile.LENGTH.set(s, length);
        IommuIoasMapFile.IOVA.set(s, iova);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_MAP_FILE, s);
        return IommuIoasMapFile.IOVA.get(s);
    }

    void ioctlDestroy(int id) {
        MemorySegment s = IommuDestroy.DEF.allocate(arena);
        IommuDestroy.ID.set(s, id);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_DESTROY, s);
    }

    long unmap(int ioas, long iova, long length) {
        MemorySegment s = IommuIoasUnmap.DEF.allocate(arena);
        IommuIoasUnmap.IOAS_ID.set(s, ioas);
        IommuIoasUnmap.IOVA.set(s, iova);
        IommuIoasUnmap.LENGTH.set(s, length);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_UNMAP, s);
        return IommuIoasUnmap.LENGTH.get(s);
    }

    long copy(int dst, int src, int flags, long srcIova, long length, long dstIova) {
        MemorySegment s = IommuIoasCopy.DEF.allocate(arena);
        IommuIoasCopy.FLAGS.set(s, flags);
        IommuIoasCopy.DST_IOAS_ID.set(s, dst);
        IommuIoasCopy.SRC_IOAS_ID.set(s, src);
        IommuIoasCopy.LENGTH.set(s, length);
        IommuIoasCopy.DST_IOVA.set(s, dstIova);
        IommuIoasCopy.SRC_IOVA.set(s, srcIova);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_COPY, s);
        return IommuIoasCopy.DST_IOVA.get(s);
    }

    /** IOMMU_TEST_OP_MOCK_DOMAIN (needs {@code withIommufdTest}): {selftest object, device, HWPT} IDs. */
    int[] mockDomain(int ptId) {
        MemorySegment c = IommuTestCmd.DEF.allocate(arena);
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN);
        IommuTestCmd.ID.set(c, ptId);
        kernel.ioctl(fd, IommufdTestIoctl.IOMMU_TEST_CMD, c);
        return new int[] {
            IommuTestCmd.MockDomain.OUT_STDEV_ID.get(c),
            IommuTestCmd.MockDomain.OUT_IDEV_ID.get(c),
            IommuTestCmd.MockDomain.OUT_HWPT_ID.get(c)
        };
    }

    int hwptAlloc(int devId, int ptId, int flags, int faultId) {
        MemorySegment c = IommuHwptAlloc.DEF.allocate(arena);
        IommuHwptAlloc.SIZE.set(c, (int) IommuHwptAlloc.DEF.size());
        IommuHwptAlloc.DEV_ID.set(c, devId);
        IommuHwptAlloc.PT_ID.set(c, ptId);
        IommuHwptAlloc.FLAGS.set(c, flags);
        IommuHwptAlloc.FAULT_ID.set(c, faultId);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_HWPT_ALLOC, c);
        return IommuHwptAlloc.OUT_HWPT_ID.get(c);
    }

    /** IOMMU_FAULT_QUEUE_ALLOC: {fault ID, fault fd}. */
    int[] faultAlloc() {
        MemorySegment c = IommuFaultAlloc.DEF.allocate(arena);
        IommuFaultAlloc.SIZE.set(c, (int) IommuFaultAlloc.DEF.size());
        kernel.ioctl(fd, IommufdIoctl.IOMMU_FAULT_QUEUE_ALLOC, c);
        return new int[] {IommuFaultAlloc.OUT_FAULT_ID.get(c), IommuFaultAlloc.OUT_FAULT_FD.get(c)};
    }

    long option(int optionId, int op, int objectId, long val) {
        MemorySegment s = IommuOption.DEF.allocate(arena);
        IommuOption.OPTION_ID.set(s, optionId);
        IommuOption.OP.set(s, op);
        IommuOption.OBJECT_ID.set(s, objectId);
        IommuOption.VAL64.set(s, val);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_OPTION, s);
        return IommuOption.VAL64.get(s);
    }

    /** VmPin of the initial process. */
    long pinnedPages() {
        return kernel.initTask().mm().pinnedPages();
    }

    /**
     * The invariants of every IOAS in the context: areas disjoint and sorted, every area's pages
     * set, and each page set's pinned count equal to the pages its users cover. Returns the number
     * of distinct pinned pages across page sets.
     */
    long checkInvariants() {
        Map<Pages, Boolean> seen = new IdentityHashMap<>();
        long pinned = 0;
        for (IommufdObject obj : ctx.objects.objects()) {
            if (!(obj instanceof Ioas ioas)) {
                continue;
            }
            long prevLast = -1;
            boolean first = true;
            for (Area a : ioas.iopt.areasSnapshot()) {
                if (!first && Long.compareUnsigned(a.iova, prevLast) <= 0) {
                    throw new AssertionError("areas overlap or are out of order at 0x" + Long.toHexString(a.iova));
                }
                if (a.pages == null) {
                    throw new AssertionError("area left half-created at 0x" + Long.toHexString(a.iova));
                }
                first = false;
                prevLast = a.last;
                if (seen.put(a.pages, Boolean.TRUE) == null) {
                    pinned += a.pages.npinned();
                    if (a.pages.npinned() != a.pages.coveredPages()) {
                        throw new AssertionError("pinned count differs from covered pages");
                    }
                }
            }
        }
        return pinned;
    }

    @Override
    public void close() {
        kernel.close(fd);
        for (MemorySegment m : mappings) {
            kernel.munmap(m);
        }
        arena.close();
    }
}
