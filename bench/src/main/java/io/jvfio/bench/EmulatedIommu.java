package io.jvfio.bench;

import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasCopy;
import io.jvfio.abi.iommufd.IommuIoasIovaRanges;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasUnmap;
import io.jvfio.abi.iommufd.IommuIovaRange;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A fresh emulated kernel (built with the iommufd test module, a root process) with /dev/iommu
 * open and one reusable argument struct per ioctl, so a benchmark loop measures the ioctl and not
 * the allocation of its arguments. The structs belong to one thread: other threads use their own
 * {@link #view()} of the same open /dev/iommu.
 */
final class EmulatedIommu implements AutoCloseable {
    static final int RW_FIXED = IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE | IommuIoasMap.FLAG_FIXED_IOVA;

    final Kernel kernel;
    final int fd;
    /** Whether closing this closes the fd (false for a view). */
    private final boolean owner;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment map = IommuIoasMap.DEF.allocate(arena);
    private final MemorySegment unmap = IommuIoasUnmap.DEF.allocate(arena);
    private final MemorySegment copy = IommuIoasCopy.DEF.allocate(arena);
    private final MemorySegment option = IommuOption.DEF.allocate(arena);
    private final MemorySegment ranges = IommuIoasIovaRanges.DEF.allocate(arena);
    private final MemorySegment rangeArray = arena.allocate(16 * IommuIovaRange.DEF.size(), 8);

    EmulatedIommu() {
        this(EmulatedKernel.create(EmulatorConfig.defaults().withIommufdTest(true)));
    }

    /** /dev/iommu opened on {@code kernel}, which the caller booted. */
    EmulatedIommu(Kernel kernel) {
        this(kernel, kernel.open("/dev/iommu", Linux.O.RDWR), true);
    }

    private EmulatedIommu(Kernel kernel, int fd, boolean owner) {
        this.kernel = kernel;
        this.fd = fd;
        this.owner = owner;
    }

    /** The same open /dev/iommu with argument structs of its own, for another thread. */
    EmulatedIommu view() {
        return new EmulatedIommu(kernel, fd, false);
    }

    int ioasAlloc() {
        MemorySegment s = IommuIoasAlloc.DEF.allocate(arena);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_ALLOC, s);
        return IommuIoasAlloc.OUT_IOAS_ID.get(s);
    }

    /**
     * IOMMU_TEST_OP_MOCK_DOMAIN: a mock device attached to the IOAS through a new paging domain
     * (the selftest mock format), so from now on IOAS_MAP pins and fills it. Returns the HWPT id.
     */
    int mockDomain(int ioas) {
        MemorySegment c = IommuTestCmd.DEF.allocate(arena);
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN);
        IommuTestCmd.ID.set(c, ioas);
        kernel.ioctl(fd, IommufdTestIoctl.IOMMU_TEST_CMD, c);
        return IommuTestCmd.MockDomain.OUT_HWPT_ID.get(c);
    }

    void mapFixed(int ioas, long userVa, long length, long iova) {
        IommuIoasMap.FLAGS.set(map, RW_FIXED);
        IommuIoasMap.IOAS_ID.set(map, ioas);
        IommuIoasMap.USER_VA.set(map, userVa);
        IommuIoasMap.LENGTH.set(map, length);
        IommuIoasMap.IOVA.set(map, iova);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_MAP, map);
    }

    long unmap(int ioas, long iova, long length) {
        IommuIoasUnmap.IOAS_ID.set(unmap, ioas);
        IommuIoasUnmap.IOVA.set(unmap, iova);
        IommuIoasUnmap.LENGTH.set(unmap, length);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_UNMAP, unmap);
        return IommuIoasUnmap.LENGTH.get(unmap);
    }

    void copyFixed(int dst, int src, long srcIova, long length, long dstIova) {
        IommuIoasCopy.FLAGS.set(copy, RW_FIXED);
        IommuIoasCopy.DST_IOAS_ID.set(copy, dst);
        IommuIoasCopy.SRC_IOAS_ID.set(copy, src);
        IommuIoasCopy.LENGTH.set(copy, length);
        IommuIoasCopy.SRC_IOVA.set(copy, srcIova);
        IommuIoasCopy.DST_IOVA.set(copy, dstIova);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_COPY, copy);
    }

    /** IOMMU_OPTION HUGE_PAGES GET: the cheapest ioctl that still runs the whole ladder and a lookup. */
    long hugePagesGet(int ioas) {
        IommuOption.OPTION_ID.set(option, IommuOption.HUGE_PAGES);
        IommuOption.OP.set(option, IommuOption.OP_GET);
        IommuOption.OBJECT_ID.set(option, ioas);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_OPTION, option);
        return IommuOption.VAL64.get(option);
    }

    /** IOMMU_OPTION RLIMIT_MODE GET: a global option (object 0), no object lookup. */
    long rlimitModeGet() {
        IommuOption.OPTION_ID.set(option, IommuOption.RLIMIT_MODE);
        IommuOption.OP.set(option, IommuOption.OP_GET);
        IommuOption.OBJECT_ID.set(option, 0);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_OPTION, option);
        return IommuOption.VAL64.get(option);
    }

    /** IOMMU_OPTION HUGE_PAGES SET: 0 makes the IOAS fill domains PAGE_SIZE at a time. */
    void hugePagesSet(int ioas, long value) {
        IommuOption.OPTION_ID.set(option, IommuOption.HUGE_PAGES);
        IommuOption.OP.set(option, IommuOption.OP_SET);
        IommuOption.OBJECT_ID.set(option, ioas);
        IommuOption.VAL64.set(option, value);
        kernel.ioctl(fd, IommufdIoctl.IOMMU_OPTION, option);
    }

    int iovaRanges(int ioas) {
        IommuIoasIovaRanges.IOAS_ID.set(ranges, ioas);
        IommuIoasIovaRanges.NUM_IOVAS.set(ranges, 16);
        IommuIoasIovaRanges.ALLOWED_IOVAS.set(ranges, rangeArray.address());
        kernel.ioctl(fd, IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, ranges);
        return IommuIoasIovaRanges.NUM_IOVAS.get(ranges);
    }

    @Override
    public void close() {
        if (owner) {
            kernel.close(fd);
        }
        arena.close();
    }
}
