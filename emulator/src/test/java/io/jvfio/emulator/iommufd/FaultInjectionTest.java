package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.Harness.FIXED;
import static io.jvfio.emulator.iommufd.Harness.PAGE;
import static io.jvfio.emulator.iommufd.Harness.RW;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuIoasAllowIovas;
import io.jvfio.abi.iommufd.IommuIovaRange;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommuVeventqAlloc;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.iommufd.IommuViommuAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIommuType1DmaMap;
import io.jvfio.abi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.emulator.EmulatorConfig;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fail_nth sweep: for N = 1, 2, ... the Nth fault-injection point of a map/copy/unmap/option
 * scenario fails. Each failing step must return an errno and leave nothing behind (no area, no
 * pin, no object), and closing the iommufd must then release everything, until an N past every
 * point runs the scenario cleanly.
 */
class FaultInjectionTest {
    private static final long IOVA = 1L << 24;

    /** One step of the scenario; names what it is for failure messages. */
    private record Step(String name, Runnable body) {}

    private static List<Step> scenario(Harness h, int[] ids, MemorySegment buf, int memfd) {
        List<Step> steps = new ArrayList<>();
        steps.add(new Step("ioas alloc", () -> ids[1] = h.ioasAlloc()));
        steps.add(new Step("add domain", () -> h.ioas(ids[1]).iopt.addDomain(new FakeDomain(~0xfffL, PAGE, -1L))));
        steps.add(new Step("map fixed", () -> h.map(ids[0], RW | FIXED, buf.address(), 8 * PAGE, IOVA)));
        steps.add(new Step("map auto", () -> h.map(ids[0], RW, buf.address(), 4 * PAGE, 0)));
        steps.add(new Step("map file", () -> h.mapFile(ids[0], RW | FIXED, memfd, 0, 4 * PAGE, 2 * IOVA)));
        steps.add(new Step("map dma-buf and revoke", () -> mapDmabuf(h, ids[0])));
        steps.add(new Step("copy", () -> h.copy(ids[1], ids[0], RW, IOVA + PAGE, 6 * PAGE, 0)));
        steps.add(new Step("allow iovas", () -> allow(h, ids[1])));
        steps.add(new Step("huge pages off", () -> h.option(IommuOption.HUGE_PAGES, IommuOption.OP_SET, ids[2], 0)));
        steps.add(new Step("compat type1 map and cut", () -> compatCut(h, ids[2], buf)));
        steps.add(new Step("unmap", () -> h.unmap(ids[0], IOVA, 8 * PAGE)));
        return steps;
    }

    /** DMABUF_GET, MAP_FILE of it into an IOAS with a domain, a revoke, and the fd closed again. */
    private static void mapDmabuf(Harness h, int ioas) {
        int dfd = DmabufImportTest.dmabufGet(h, 4 * PAGE);
        try {
            h.mapFile(ioas, RW | FIXED, dfd, 0, 4 * PAGE, 4 * IOVA);
            DmabufImportTest.revoke(h, dfd, true);
        } finally {
            h.kernel.close(dfd);
        }
    }

    private static void allow(Harness h, int ioas) {
        MemorySegment s = IommuIoasAllowIovas.DEF.allocate(h.arena);
        MemorySegment ranges = h.arena.allocate(2 * IommuIovaRange.DEF.size(), 8);
        IommuIovaRange.START.set(ranges, 1L << 40);
        IommuIovaRange.LAST.set(ranges, (1L << 41) - 1);
        MemorySegment second = ranges.asSlice(IommuIovaRange.DEF.size());
        IommuIovaRange.START.set(second, 1L << 42);
        IommuIovaRange.LAST.set(second, (1L << 43) - 1);
        IommuIoasAllowIovas.IOAS_ID.set(s, ioas);
        IommuIoasAllowIovas.NUM_IOVAS.set(s, 2);
        IommuIoasAllowIovas.ALLOWED_IOVAS.set(s, ranges.address());
        h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, s);
    }

    private static void compatCut(Harness h, int ioas, MemorySegment buf) {
        MemorySegment v = IommuVfioIoas.DEF.allocate(h.arena);
        IommuVfioIoas.OP.set(v, IommuVfioIoas.SET);
        IommuVfioIoas.IOAS_ID.set(v, ioas);
        h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_VFIO_IOAS, v);
        h.kernel.ioctl(h.fd, VfioIoctl.VFIO_SET_IOMMU, VfioConst.VFIO_TYPE1_IOMMU);
        MemorySegment m = VfioIommuType1DmaMap.DEF.allocate(h.arena);
        VfioIommuType1DmaMap.FLAGS.set(m, VfioIommuType1DmaMap.FLAG_READ | VfioIommuType1DmaMap.FLAG_WRITE);
        VfioIommuType1DmaMap.VADDR.set(m, buf.address());
        VfioIommuType1DmaMap.SIZE.set(m, 8 * PAGE);
        VfioIommuType1DmaMap.IOVA.set(m, 3 * IOVA);
        h.kernel.ioctl(h.fd, VfioIoctl.VFIO_IOMMU_MAP_DMA, m);
        MemorySegment u = VfioIommuType1DmaUnmap.DEF.allocate(h.arena);
        VfioIommuType1DmaUnmap.IOVA.set(u, 3 * IOVA + 2 * PAGE);
        VfioIommuType1DmaUnmap.SIZE.set(u, 2 * PAGE);
        h.kernel.ioctl(h.fd, VfioIoctl.VFIO_IOMMU_UNMAP_DMA, u);
    }

    @Test
    @DisplayName("every fault-injection point of map/map_file (memfd, dma-buf)/copy/unmap/option fails cleanly")
    void sweepEveryPoint() {
        int points = -1;
        for (int n = 1; n < 500 && points < 0; n++) {
            Harness h = new Harness(EmulatorConfig.defaults().withIommufdTest(true));
            MemorySegment buf = h.buffer(16 * PAGE);
            int memfd = h.kernel.memfd("fail-nth", 0);
            h.kernel.ftruncate(memfd, 8 * PAGE);
            int[] ids = {h.ioasAlloc(), 0, h.ioasAlloc()};
            h.ioas(ids[0]).iopt.addDomain(FakeDomain.full());
            h.kernel.faults().failNth(n);
            for (Step step : scenario(h, ids, buf, memfd)) {
                if (step.name.equals("add domain") && ids[1] == 0) {
                    continue;
                }
                long areasBefore = areas(h);
                long pinnedBefore = h.pinnedPages();
                int objectsBefore = h.ctx.objects.objects().size();
                boolean injectedBefore = h.kernel.faults().triggered();
                try {
                    step.body.run();
                } catch (ErrnoException e) {
                    if (!injectedBefore && h.kernel.faults().triggered()) {
                        assertThat(e.errno()).as("n=%d %s", n, step.name).isEqualTo(Errno.ENOMEM);
                    } else {
                        // A consequence of an earlier injected failure (its object or area is missing).
                        assertThat(e.errno()).as("n=%d %s", n, step.name).isIn(Errno.ENOENT, Errno.EEXIST);
                    }
                    if (!step.name.startsWith("compat")) {
                        assertThat(areas(h)).as("n=%d %s areas", n, step.name).isEqualTo(areasBefore);
                        assertThat(h.pinnedPages())
                                .as("n=%d %s pins", n, step.name)
                                .isEqualTo(pinnedBefore);
                    }
                    assertThat(h.ctx.objects.objects()).hasSize(objectsBefore);
                    assertThat(h.ctx.objects.isEmpty()).isFalse();
                }
                assertThat(h.checkInvariants())
                        .as("n=%d after %s", n, step.name)
                        .isEqualTo(h.pinnedPages());
            }
            boolean failed = h.kernel.faults().disarm();
            if (!failed) {
                points = n - 1;
            }
            h.kernel.close(memfd);
            h.close();
            assertThat(h.pinnedPages()).as("n=%d after close", n).isZero();
            assertThat(h.ctx.objects.objects()).isEmpty();
        }
        // The scenario reaches object, page-set, area, pin, list, allowed, reserve and split points.
        assertThat(points).isGreaterThan(15);
    }

    @Test
    @DisplayName("a fault queue or vEVENTQ whose file or fd cannot be allocated leaves no reference behind")
    void eventqFdAllocationFailsCleanly() {
        int points = -1;
        for (int n = 1; n < 20 && points < 0; n++) {
            Harness h = new Harness(EmulatorConfig.defaults().withIommufdTest(true));
            int ioas = h.ioasAlloc();
            int dev = h.mockDomain(ioas)[1];
            int parent = h.hwptAlloc(dev, ioas, IommuHwptAlloc.ALLOC_NEST_PARENT, 0);
            MemorySegment v = IommuViommuAlloc.DEF.allocate(h.arena);
            IommuViommuAlloc.SIZE.set(v, (int) IommuViommuAlloc.DEF.size());
            IommuViommuAlloc.DEV_ID.set(v, dev);
            IommuViommuAlloc.HWPT_ID.set(v, parent);
            IommuViommuAlloc.TYPE.set(v, IommufdTestConst.IOMMU_VIOMMU_TYPE_SELFTEST);
            h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_VIOMMU_ALLOC, v);
            int viommu = IommuViommuAlloc.OUT_VIOMMU_ID.get(v);
            int objects = h.ctx.objects.objects().size();
            h.kernel.faults().failNth(n);
            int[] fault = null;
            int[] veventq = null;
            try {
                fault = h.faultAlloc();
                MemorySegment q = IommuVeventqAlloc.DEF.allocate(h.arena);
                IommuVeventqAlloc.SIZE.set(q, (int) IommuVeventqAlloc.DEF.size());
                IommuVeventqAlloc.VIOMMU_ID.set(q, viommu);
                IommuVeventqAlloc.TYPE.set(q, IommufdTestConst.IOMMU_VEVENTQ_TYPE_SELFTEST);
                IommuVeventqAlloc.VEVENTQ_DEPTH.set(q, 2);
                h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_VEVENTQ_ALLOC, q);
                veventq = new int[] {IommuVeventqAlloc.OUT_VEVENTQ_ID.get(q), IommuVeventqAlloc.OUT_VEVENTQ_FD.get(q)};
            } catch (ErrnoException e) {
                assertThat(e.errno()).as("n=%d", n).isEqualTo(Errno.ENOMEM);
                assertThat(h.ctx.objects.objects()).hasSize(objects + (fault == null ? 0 : 1));
            }
            if (!h.kernel.faults().disarm()) {
                points = n - 1;
            }
            if (fault != null) {
                h.kernel.close(fault[1]);
                h.destroy(fault[0]);
            }
            if (veventq != null) {
                h.kernel.close(veventq[1]);
                h.destroy(veventq[0]);
            }
            // A leaked users reference would make this EBUSY.
            h.destroy(viommu);
            h.close();
            // A leaked context reference would keep the context, and its objects, alive.
            assertThat(h.ctx.objects.objects()).as("n=%d after close", n).isEmpty();
        }
        // Object, file and fd of each of the two queues.
        assertThat(points).isEqualTo(6);
    }

    private static long areas(Harness h) {
        long n = 0;
        for (IommufdObject o : h.ctx.objects.objects()) {
            if (o instanceof Ioas ioas) {
                n += ioas.iopt.areaCount();
            }
        }
        return n;
    }
}
