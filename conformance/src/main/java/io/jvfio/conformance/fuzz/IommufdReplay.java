package io.jvfio.conformance.fuzz;

import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuIoasAllowIovas;
import io.jvfio.abi.iommufd.IommuIoasIovaRanges;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIovaRange;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIommuType1DmaMap;
import io.jvfio.abi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.kernel.Kernel;
import io.jvfio.testkit.IommufdCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Replays an IOMMUFD-mode program on one open /dev/iommu. Object IDs are printed as the kernel
 * returned them (their order is ABI), access fds by creation index, user pointers by buffer and
 * offset. Arguments pick among what earlier operations created, or something invalid.
 */
final class IommufdReplay extends Replay {
    private static final long APERTURE = IommufdTestConst.MOCK_APERTURE_START;
    /** The selftest's default temporary memory limit, restored at the end. */
    private static final int DEFAULT_MEMORY_LIMIT = 65536;

    private final Calls calls = new Calls();
    private int fd = -1;
    private int devNull = -1;
    private final List<Integer> ioas = new ArrayList<>();
    private final List<Integer> hwpts = new ArrayList<>();
    private final List<Integer> stdevs = new ArrayList<>();
    private final List<Integer> idevs = new ArrayList<>();
    private final List<Integer> objects = new ArrayList<>();
    /** Access fds by creation index; -1 once closed. */
    private final List<Integer> accesses = new ArrayList<>();
    /** Item IDs returned by ACCESS_PAGES, any access. */
    private final List<Integer> items = new ArrayList<>();
    /** IOVAs that maps and copies returned, so later operations hit areas often. */
    private final List<Long> iovas = new ArrayList<>();

    IommufdReplay(Kernel k, Consumer<String> out) {
        super(k, out);
    }

    /** Replays {@code program} and ends with a check that every page was unpinned once all fds closed. */
    void run(FuzzProgram program) {
        setUpMemory();
        try {
            devNull = k.open("/dev/null", Linux.O.RDWR);
            fd = k.open("/dev/iommu", Linux.O.RDWR);
            for (FuzzProgram.Op op : program.ops()) {
                step(op);
            }
            for (int a : accesses) {
                if (a >= 0) {
                    k.close(a);
                }
            }
            k.close(fd);
            fd = k.open("/dev/iommu", Linux.O.RDWR);
            out.accept("end unpinned " + unpinnedAtEnd());
            setMemoryLimit(DEFAULT_MEMORY_LIMIT);
        } finally {
            if (fd >= 0) {
                k.close(fd);
            }
            if (devNull >= 0) {
                k.close(devNull);
            }
            tearDownMemory();
        }
    }

    /** CHECK_REFS 0 over every buffer and the memfd: "yes", or where a pin was left. */
    private String unpinnedAtEnd() {
        List<MemorySegment> all = new ArrayList<>(bufs);
        all.add(memfdMap);
        for (MemorySegment m : all) {
            try {
                checkRefs(m.address(), m.byteSize(), 0);
            } catch (ErrnoException e) {
                return "no: " + pointerName(m.address()) + " " + e.errno().name();
            }
        }
        return "yes";
    }

    @Override
    String execute(String kind, StringBuilder line) {
        return switch (kind) {
            case "ioas_alloc" -> created(calls.ioasAlloc(), ioas);
            case "destroy" -> {
                int id = anyId();
                line.append(" id=").append(id);
                calls.destroy(id);
                yield null;
            }
            case "map" -> map(line);
            case "map_file" -> mapFile(line);
            case "unmap" -> {
                int id = ioasId();
                boolean all = r.nextInt(8) == 0;
                long iova = all ? 0 : iova();
                long len = all ? 0 : length();
                line.append(" ioas=")
                        .append(id)
                        .append(" iova=")
                        .append(hex(iova))
                        .append(" len=")
                        .append(hex(len));
                yield "len=" + hex(calls.unmap(id, iova, len));
            }
            case "copy" -> copy(line);
            case "iova_ranges" -> iovaRanges(line);
            case "allow_iovas" -> allowIovas(line);
            case "option" -> option(line);
            case "hwpt_alloc" -> {
                int dev = pickId(idevs);
                int pt = r.nextBoolean() ? ioasId() : pickId(hwpts);
                int flags = new int[] {
                            0, 0, IommuHwptAlloc.ALLOC_NEST_PARENT, IommuHwptAlloc.ALLOC_DIRTY_TRACKING, 1 << 7
                        }
                        [r.nextInt(5)];
                line.append(" dev=")
                        .append(dev)
                        .append(" pt=")
                        .append(pt)
                        .append(" flags=")
                        .append(hex(flags));
                yield created(calls.hwptAlloc(dev, pt, flags, 0), hwpts);
            }
            case "vfio_ioas" -> {
                int op = r.nextInt(3);
                int id = ioasId();
                line.append(" op=").append(op).append(" ioas=").append(id);
                yield "ioas=" + IommuVfioIoas.IOAS_ID.get(calls.vfioIoas(op, id));
            }
            case "map_dma" -> mapDma(line);
            case "unmap_dma" -> {
                int flags = r.nextInt(6) == 0 ? VfioIommuType1DmaUnmap.FLAG_ALL : 0;
                long iova = flags != 0 ? 0 : iova();
                long size = flags != 0 ? 0 : length();
                line.append(" flags=")
                        .append(flags)
                        .append(" iova=")
                        .append(hex(iova))
                        .append(" size=")
                        .append(hex(size));
                MemorySegment s = calls.unmapDmaStruct(flags, iova, size);
                VfioIommuType1DmaUnmap.ARGSZ.set(s, (int) VfioIommuType1DmaUnmap.DEF.size());
                calls.ioctl(VfioIoctl.VFIO_IOMMU_UNMAP_DMA, s);
                yield "size=" + hex(VfioIommuType1DmaUnmap.SIZE.get(s));
            }
            case "mock_domain" -> mockDomain(line);
            case "mock_replace" -> {
                int st = pickId(stdevs);
                int pt = r.nextBoolean() ? ioasId() : pickId(hwpts);
                line.append(" stdev=").append(st).append(" pt=").append(pt);
                MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, st);
                IommuTestCmd.MockDomainReplace.PT_ID.set(c, pt);
                test(c);
                yield "hwpt=" + IommuTestCmd.MockDomainReplace.PT_ID.get(c);
            }
            case "add_reserved" -> {
                int id = ioasId();
                long start = iova();
                long len = length();
                line.append(" ioas=")
                        .append(id)
                        .append(" start=")
                        .append(hex(start))
                        .append(" len=")
                        .append(hex(len));
                MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_ADD_RESERVED, id);
                IommuTestCmd.AddReserved.START.set(c, start);
                IommuTestCmd.AddReserved.LENGTH.set(c, len);
                test(c);
                yield null;
            }
            case "check_map" -> {
                int hwpt = pickId(hwpts);
                long iova = iova();
                long len = length();
                Pointer p = pointer();
                line.append(" hwpt=")
                        .append(hwpt)
                        .append(" iova=")
                        .append(hex(iova))
                        .append(" len=")
                        .append(hex(len))
                        .append(' ')
                        .append(p.name());
                MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_MD_CHECK_MAP, hwpt);
                IommuTestCmd.CheckMap.IOVA.set(c, iova);
                IommuTestCmd.CheckMap.LENGTH.set(c, len);
                IommuTestCmd.CheckMap.UPTR.set(c, p.address());
                test(c);
                yield null;
            }
            case "check_refs" -> {
                Pointer p = pointer();
                long len = length();
                int refs = r.nextInt(3);
                line.append(' ')
                        .append(p.name())
                        .append(" len=")
                        .append(hex(len))
                        .append(" refs=")
                        .append(refs);
                checkRefs(p.address(), len, refs);
                yield null;
            }
            case "create_access" -> {
                int id = ioasId();
                int flags = new int[] {0, 1, 1, 2}[r.nextInt(4)];
                line.append(" ioas=").append(id).append(" flags=").append(flags);
                MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_CREATE_ACCESS, id);
                IommuTestCmd.CreateAccess.FLAGS.set(c, flags);
                test(c);
                accesses.add(IommuTestCmd.CreateAccess.OUT_ACCESS_FD.get(c));
                yield "afd#" + (accesses.size() - 1);
            }
            case "access_pages" -> accessPages(line);
            case "destroy_access_pages" -> {
                int a = access(line);
                int item = pick(r, items, 0) + (r.nextInt(8) == 0 ? 100 : 0);
                line.append(" item=").append(item);
                MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, a);
                IommuTestCmd.DestroyAccessPages.ACCESS_PAGES_ID.set(c, item);
                test(c);
                yield null;
            }
            case "access_rw" -> accessRw(line);
            case "access_replace" -> {
                int a = access(line);
                int id = ioasId();
                line.append(" ioas=").append(id);
                MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, a);
                IommuTestCmd.AccessReplaceIoas.IOAS_ID.set(c, id);
                test(c);
                yield null;
            }
            case "close_access" -> {
                if (accesses.isEmpty()) {
                    yield "none";
                }
                int i = r.nextInt(accesses.size());
                line.append(" afd#").append(i);
                int a = accesses.get(i);
                if (a < 0) {
                    yield "closed";
                }
                accesses.set(i, -1);
                k.close(a);
                yield null;
            }
            case "temp_memory_limit" -> {
                // Only the default or refused values: the limit sizes the kernel's pin batches,
                // and with small batches which error comes first depends on physical contiguity.
                int limit = new int[] {0, 11, DEFAULT_MEMORY_LIMIT}[r.nextInt(3)];
                line.append(" limit=").append(limit);
                setMemoryLimit(limit);
                yield null;
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private String created(int id, List<Integer> kind) {
        kind.add(id);
        objects.add(id);
        return "id=" + id;
    }

    /** An ID of the kind: one created before (maybe destroyed since), or an invalid one. */
    private int pickId(List<Integer> kind) {
        return switch (r.nextInt(12)) {
            case 0 -> 0;
            case 1 -> 9999;
            case 2 -> pick(r, objects, 1);
            default -> pick(r, kind, 1 + r.nextInt(4));
        };
    }

    private int ioasId() {
        return pickId(ioas);
    }

    private int anyId() {
        return r.nextInt(6) == 0 ? r.nextInt(16) : pick(r, objects, 1);
    }

    /** An IOVA: one returned before, in the mock aperture, or an unusual one. */
    private long iova() {
        return switch (r.nextInt(16)) {
            case 0 -> 0;
            case 1 -> APERTURE + 8;
            case 2 -> -PAGE;
            case 3, 4, 5, 6, 7 -> pick(r, iovas, APERTURE) + (r.nextInt(4) == 0 ? r.nextInt(4) * PAGE : 0);
            default -> APERTURE + r.nextInt(64) * PAGE;
        };
    }

    private int mapFlags() {
        int flags =
                switch (r.nextInt(8)) {
                    case 0 -> IommuIoasMap.FLAG_READABLE;
                    case 1 -> IommuIoasMap.FLAG_WRITEABLE;
                    case 2 -> 0;
                    default -> IommufdCalls.RW;
                };
        return flags | (r.nextInt(3) != 0 ? IommufdCalls.FIXED : 0);
    }

    private String map(StringBuilder line) {
        int id = ioasId();
        Pointer p = pointer();
        long len = length();
        int flags = mapFlags();
        long iova = iova();
        line.append(" ioas=")
                .append(id)
                .append(' ')
                .append(p.name())
                .append(" len=")
                .append(hex(len))
                .append(" flags=")
                .append(flags)
                .append(" iova=")
                .append(hex(iova));
        long out = calls.map(id, flags, p.address(), len, iova);
        iovas.add(out);
        return "iova=" + hex(out);
    }

    private String mapFile(StringBuilder line) {
        int id = ioasId();
        int which = r.nextInt(10);
        // Not the iommufd itself: its page set would hold the file and the context would never go.
        int file = which == 0 ? -1 : which == 1 ? devNull : memfd;
        long offset = pageOffset();
        long start = file == memfd ? memfdStart + offset : offset;
        long len = length();
        int flags = mapFlags();
        long iova = iova();
        line.append(" ioas=")
                .append(id)
                .append(" fd=")
                .append(which == 0 ? "-1" : which == 1 ? "null" : "memfd")
                .append(" start=")
                .append(hex(start))
                .append(" len=")
                .append(hex(len))
                .append(" flags=")
                .append(flags)
                .append(" iova=")
                .append(hex(iova));
        long out = calls.mapFile(id, flags, file, start, len, iova);
        iovas.add(out);
        return "iova=" + hex(out);
    }

    private String copy(StringBuilder line) {
        int dst = ioasId();
        int src = ioasId();
        int flags = mapFlags();
        long srcIova = iova();
        long len = length();
        long dstIova = iova();
        line.append(" dst=")
                .append(dst)
                .append(" src=")
                .append(src)
                .append(" flags=")
                .append(flags)
                .append(" src_iova=")
                .append(hex(srcIova))
                .append(" len=")
                .append(hex(len))
                .append(" dst_iova=")
                .append(hex(dstIova));
        long out = calls.copy(dst, src, flags, srcIova, len, dstIova);
        iovas.add(out);
        return "iova=" + hex(out);
    }

    private String iovaRanges(StringBuilder line) {
        int id = ioasId();
        int capacity = r.nextInt(4);
        line.append(" ioas=").append(id).append(" num=").append(capacity);
        MemorySegment s = calls.iovaRangesStruct(id, capacity);
        StringBuilder res = new StringBuilder();
        try {
            calls.ioctl(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, s);
        } catch (ErrnoException e) {
            // EMSGSIZE still reports how many there are.
            return e.errno().name() + " num=" + IommuIoasIovaRanges.NUM_IOVAS.get(s);
        }
        res.append("num=")
                .append(IommuIoasIovaRanges.NUM_IOVAS.get(s))
                .append(" align=")
                .append(hex(IommuIoasIovaRanges.OUT_IOVA_ALIGNMENT.get(s)));
        for (long[] range : IommufdCalls.ranges(s)) {
            res.append(' ').append(hex(range[0])).append('-').append(hex(range[1]));
        }
        return res.toString();
    }

    private String allowIovas(StringBuilder line) {
        int id = ioasId();
        int n = r.nextInt(3);
        long[] ranges = new long[2 * n];
        for (int i = 0; i < n; i++) {
            long start = r.nextInt(8) == 0 ? APERTURE + 1 : APERTURE + r.nextInt(32) * PAGE;
            ranges[2 * i] = start;
            ranges[2 * i + 1] = r.nextInt(8) == 0 ? start - 1 : start + (1 + r.nextInt(64)) * PAGE - 1;
        }
        line.append(" ioas=").append(id);
        for (int i = 0; i < n; i++) {
            line.append(' ').append(hex(ranges[2 * i])).append('-').append(hex(ranges[2 * i + 1]));
        }
        MemorySegment s = IommuIoasAllowIovas.DEF.allocate(arena);
        MemorySegment array = arena.allocate(Math.max(1, n) * IommuIovaRange.DEF.size(), 8);
        for (int i = 0; i < n; i++) {
            MemorySegment range = array.asSlice(i * IommuIovaRange.DEF.size(), IommuIovaRange.DEF.size());
            IommuIovaRange.START.set(range, ranges[2 * i]);
            IommuIovaRange.LAST.set(range, ranges[2 * i + 1]);
        }
        IommuIoasAllowIovas.IOAS_ID.set(s, id);
        IommuIoasAllowIovas.NUM_IOVAS.set(s, n);
        IommuIoasAllowIovas.ALLOWED_IOVAS.set(s, array.address());
        calls.ioctl(IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, s);
        return null;
    }

    private String option(StringBuilder line) {
        boolean huge = r.nextInt(3) != 0;
        int op = r.nextInt(4) == 0 ? IommuOption.OP_GET : IommuOption.OP_SET;
        int id = huge ? ioasId() : 0;
        long val = r.nextInt(8) == 0 ? 2 : r.nextInt(2);
        line.append(huge ? " huge_pages" : " rlimit_mode")
                .append(" op=")
                .append(op)
                .append(" id=")
                .append(id)
                .append(" val=")
                .append(val);
        return "val=" + calls.option(huge ? IommuOption.HUGE_PAGES : IommuOption.RLIMIT_MODE, op, id, val);
    }

    private String mapDma(StringBuilder line) {
        Pointer p = pointer();
        long size = length();
        long iova = iova();
        int flags = new int[] {
                    VfioIommuType1DmaMap.FLAG_READ | VfioIommuType1DmaMap.FLAG_WRITE,
                    VfioIommuType1DmaMap.FLAG_READ | VfioIommuType1DmaMap.FLAG_WRITE,
                    VfioIommuType1DmaMap.FLAG_READ,
                    VfioIommuType1DmaMap.FLAG_WRITE,
                    0
                }
                [r.nextInt(5)];
        line.append(' ')
                .append(p.name())
                .append(" size=")
                .append(hex(size))
                .append(" iova=")
                .append(hex(iova))
                .append(" flags=")
                .append(flags);
        MemorySegment s = VfioIommuType1DmaMap.DEF.allocate(arena);
        VfioIommuType1DmaMap.ARGSZ.set(s, (int) VfioIommuType1DmaMap.DEF.size());
        VfioIommuType1DmaMap.FLAGS.set(s, flags);
        VfioIommuType1DmaMap.VADDR.set(s, p.address());
        VfioIommuType1DmaMap.IOVA.set(s, iova);
        VfioIommuType1DmaMap.SIZE.set(s, size);
        calls.ioctl(VfioIoctl.VFIO_IOMMU_MAP_DMA, s);
        iovas.add(iova);
        return null;
    }

    private String mockDomain(StringBuilder line) {
        int pt = r.nextInt(3) == 0 ? pickId(hwpts) : ioasId();
        int devFlags = new int[] {-1, -1, 0, IommufdTestConst.MOCK_FLAGS_DEVICE_NO_DIRTY, 1 << 5}[r.nextInt(5)];
        line.append(" pt=").append(pt).append(" dev_flags=").append(devFlags);
        MemorySegment c = testCmd(
                devFlags < 0
                        ? IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN
                        : IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
                pt);
        if (devFlags >= 0) {
            IommuTestCmd.MockDomainFlags.DEV_FLAGS.set(c, devFlags);
        }
        test(c);
        int st = IommuTestCmd.MockDomain.OUT_STDEV_ID.get(c);
        int dev = IommuTestCmd.MockDomain.OUT_IDEV_ID.get(c);
        int hwpt = IommuTestCmd.MockDomain.OUT_HWPT_ID.get(c);
        stdevs.add(st);
        idevs.add(dev);
        objects.add(st);
        objects.add(dev);
        if (!hwpts.contains(hwpt)) {
            hwpts.add(hwpt);
            objects.add(hwpt);
        }
        return "stdev=" + st + " idev=" + dev + " hwpt=" + hwpt;
    }

    /** An access fd (or a closed, invalid or other fd), appended to the line. */
    private int access(StringBuilder line) {
        int which = r.nextInt(12);
        if (which == 0 || accesses.isEmpty()) {
            line.append(" afd=iommufd");
            return fd;
        }
        if (which == 1) {
            line.append(" afd=-1");
            return -1;
        }
        int i = r.nextInt(accesses.size());
        line.append(" afd#").append(i);
        int a = accesses.get(i);
        return a < 0 ? 9999 : a;
    }

    private String accessPages(StringBuilder line) {
        int a = access(line);
        long iova = iova();
        long len = length();
        Pointer p = r.nextInt(3) == 0 ? new Pointer(0, "null") : pointer();
        int flags = new int[] {0, IommufdTestConst.MOCK_FLAGS_ACCESS_WRITE, 0, 4}[r.nextInt(4)];
        line.append(" iova=")
                .append(hex(iova))
                .append(" len=")
                .append(hex(len))
                .append(' ')
                .append(p.name())
                .append(" flags=")
                .append(flags);
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_PAGES, a);
        IommuTestCmd.AccessPages.IOVA.set(c, iova);
        IommuTestCmd.AccessPages.LENGTH.set(c, len);
        IommuTestCmd.AccessPages.UPTR.set(c, p.address());
        IommuTestCmd.AccessPages.FLAGS.set(c, flags);
        test(c);
        int item = IommuTestCmd.AccessPages.OUT_ACCESS_PAGES_ID.get(c);
        items.add(item);
        return "item=" + item;
    }

    private String accessRw(StringBuilder line) {
        int a = access(line);
        long iova = iova() + (r.nextInt(4) == 0 ? r.nextInt((int) PAGE) : 0);
        long len = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt((int) (2 * PAGE));
        boolean write = r.nextBoolean();
        int flags = (write ? IommufdTestConst.MOCK_ACCESS_RW_WRITE : 0)
                | (r.nextInt(4) == 0 ? IommufdTestConst.MOCK_ACCESS_RW_SLOW_PATH : 0)
                | (r.nextInt(16) == 0 ? 1 << 1 : 0);
        boolean badPointer = r.nextInt(16) == 0;
        long uptr = badPointer ? noAccess : io.address();
        line.append(" iova=")
                .append(hex(iova))
                .append(" len=")
                .append(hex(len))
                .append(" flags=")
                .append(flags)
                .append(badPointer ? " noaccess" : " io");
        if (!write) {
            io.fill((byte) 0);
        }
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_RW, a);
        IommuTestCmd.AccessRw.IOVA.set(c, iova);
        IommuTestCmd.AccessRw.LENGTH.set(c, len);
        IommuTestCmd.AccessRw.UPTR.set(c, uptr);
        IommuTestCmd.AccessRw.FLAGS.set(c, flags);
        test(c);
        if (write) {
            // The next write carries other bytes.
            fill(io, r.nextInt(1000));
            return null;
        }
        return "crc=" + crc(io.asSlice(0, len));
    }

    private void checkRefs(long uptr, long len, int refs) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_MD_CHECK_REFS, 0);
        IommuTestCmd.CheckRefs.UPTR.set(c, uptr);
        IommuTestCmd.CheckRefs.LENGTH.set(c, len);
        IommuTestCmd.CheckRefs.REFS.set(c, refs);
        test(c);
    }

    private void setMemoryLimit(int limit) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT, 0);
        IommuTestCmd.MemoryLimit.LIMIT.set(c, limit);
        test(c);
    }

    private MemorySegment testCmd(int op, int id) {
        MemorySegment c = IommuTestCmd.DEF.allocate(arena);
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, op);
        IommuTestCmd.ID.set(c, id);
        return c;
    }

    private void test(MemorySegment c) {
        k.ioctl(fd, IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    /** The shared ioctl helpers, on this replay's fd and per-operation arena. */
    private final class Calls extends IommufdCalls {
        @Override
        protected Kernel kernel() {
            return k;
        }

        @Override
        protected int iommufd() {
            return fd;
        }

        @Override
        protected Arena arena() {
            return arena;
        }
    }
}
