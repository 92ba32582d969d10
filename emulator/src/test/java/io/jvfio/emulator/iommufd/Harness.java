package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Linux;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.kernel.Kernel;
import io.jvfio.testkit.IommufdCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * An emulated kernel with /dev/iommu open, the shared ioctl helpers ({@link IommufdCalls}, as the
 * conformance fixture has them), and access to the internals the emulator-only tests inspect (IOAS
 * objects, pin counters).
 */
final class Harness extends IommufdCalls implements AutoCloseable {
    final EmulatedKernel kernel;
    final int fd;
    final IommufdCtx ctx;
    final Arena arena = Arena.ofShared();

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

    @Override
    protected Kernel kernel() {
        return kernel;
    }

    @Override
    protected int iommufd() {
        return fd;
    }

    @Override
    protected Arena arena() {
        return arena;
    }

    Ioas ioas(int id) {
        Ioas ioas = ctx.getIoas(id);
        ctx.put(ioas);
        return ioas;
    }

    /** IOMMU_TEST_OP_MOCK_DOMAIN (needs {@code withIommufdTest}): {selftest object, device, HWPT} IDs. */
    int[] mockDomain(int ptId) {
        MemorySegment c = IommuTestCmd.DEF.allocate(arena);
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN);
        IommuTestCmd.ID.set(c, ptId);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        return new int[] {
            IommuTestCmd.MockDomain.OUT_STDEV_ID.get(c),
            IommuTestCmd.MockDomain.OUT_IDEV_ID.get(c),
            IommuTestCmd.MockDomain.OUT_HWPT_ID.get(c)
        };
    }

    /** IOMMU_TEST_OP_MD_CHECK_REFS: every page of [uptr, uptr+length) pinned {@code refs} times. */
    void checkRefs(long uptr, long length, int refs) {
        MemorySegment c = IommuTestCmd.DEF.allocate(arena);
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, IommufdTestIoctl.IOMMU_TEST_OP_MD_CHECK_REFS);
        IommuTestCmd.CheckRefs.UPTR.set(c, uptr);
        IommuTestCmd.CheckRefs.LENGTH.set(c, length);
        IommuTestCmd.CheckRefs.REFS.set(c, refs);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
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
        unmapBuffers();
        arena.close();
    }
}
