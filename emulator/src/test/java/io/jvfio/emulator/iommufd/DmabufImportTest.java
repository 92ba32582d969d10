package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.Harness.FIXED;
import static io.jvfio.emulator.iommufd.Harness.PAGE;
import static io.jvfio.emulator.iommufd.Harness.RW;
import static io.jvfio.emulator.iommufd.IommufdDevice.NO_PASID;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.dmabuf.DmaBuf;
import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommu.Iommu;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.IommuDriver;
import io.jvfio.emulator.iommu.IommuFaultException;
import io.jvfio.emulator.iommu.ReservedRegion;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Rule 19's dma-buf imports where only the emulator can look: no pins or charges, what the domains
 * map, revoke and un-revoke, DMA by a device into the buffer, and that nothing stays attached.
 */
class DmabufImportTest {
    private static final long BUF = 4 * PAGE;
    private static final long IOVA = 1L << 24;
    private static final Iommu DMAR = Iommu.create("dmabuf-test", List.of(ReservedRegion.X86_MSI));
    private static int nextGroup = 500;

    private static Harness harness() {
        return new Harness(EmulatorConfig.defaults().unprivileged().withIommufdTest(true));
    }

    static int dmabufGet(Harness h, long length) {
        MemorySegment c = IommuTestCmd.DEF.allocate(h.arena);
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, IommufdTestIoctl.IOMMU_TEST_OP_DMABUF_GET);
        IommuTestCmd.DmabufGet.LENGTH.set(c, (int) length);
        IommuTestCmd.DmabufGet.OPEN_FLAGS.set(c, Linux.O.CLOEXEC);
        return (int) h.kernel.ioctl(h.fd, IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    static void revoke(Harness h, int dfd, boolean revoked) {
        MemorySegment c = IommuTestCmd.DEF.allocate(h.arena);
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, IommufdTestIoctl.IOMMU_TEST_OP_DMABUF_REVOKE);
        IommuTestCmd.DmabufRevoke.DMABUF_FD.set(c, dfd);
        IommuTestCmd.DmabufRevoke.REVOKED.set(c, revoked ? 1 : 0);
        h.kernel.ioctl(h.fd, IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    /** The buffer behind {@code dfd} (a reference is taken and dropped). */
    private static DmaBuf dmabuf(Harness h, int dfd) {
        DmaBuf d = DmaBuf.get(h.kernel, dfd);
        d.put();
        return d;
    }

    private static long bufferAddress(Harness h, int dfd) {
        return ((SelftestDmaBuf) dmabuf(h, dfd).exporter()).memory().address();
    }

    @Test
    @DisplayName("a dma-buf map pins and charges nothing; every domain maps the buffer itself")
    void neverPinnedMappedAsTheBuffer() {
        try (Harness h = harness()) {
            int ioas = h.ioasAlloc();
            FakeDomain a = FakeDomain.full();
            h.ioas(ioas).iopt.addDomain(a);
            int dfd = dmabufGet(h, BUF);
            h.mapFile(ioas, RW | FIXED, dfd, PAGE, 2 * PAGE, IOVA);
            FakeDomain b = FakeDomain.full();
            h.ioas(ioas).iopt.addDomain(b);
            long host = bufferAddress(h, dfd) + PAGE;
            assertThat(a.mapped).containsOnlyKeys(IOVA);
            assertThat(a.mapped.get(IOVA)).containsExactly(host, 2 * PAGE);
            assertThat(b.mapped.get(IOVA)).containsExactly(host, 2 * PAGE);
            assertThat(h.pinnedPages()).isZero();
            assertThat(h.kernel.initTask().mm().pinnedPages()).isZero();
            assertThat(h.kernel.initTask().user().lockedPages()).isZero();
            assertThat(dmabuf(h, dfd).attachmentCount()).isEqualTo(1);
            h.ioas(ioas).iopt.removeDomain(a);
            assertThat(a.mapped).isEmpty();
            assertThat(h.unmap(ioas, IOVA, 2 * PAGE)).isEqualTo(2 * PAGE);
            assertThat(b.mapped).isEmpty();
            assertThat(dmabuf(h, dfd).attachmentCount()).isZero();
            h.kernel.close(dfd);
        }
    }

    @Test
    @DisplayName("a revoke unmaps the area from every domain; later domains skip it; un-revoke does not remap it")
    void revokeUnmapsEverywhere() {
        try (Harness h = harness()) {
            int ioas = h.ioasAlloc();
            int other = h.ioasAlloc();
            FakeDomain a = FakeDomain.full();
            FakeDomain b = FakeDomain.full();
            h.ioas(ioas).iopt.addDomain(a);
            h.ioas(other).iopt.addDomain(b);
            int dfd = dmabufGet(h, BUF);
            h.mapFile(ioas, RW | FIXED, dfd, 0, BUF, IOVA);
            h.copy(other, ioas, RW | FIXED, IOVA, BUF, IOVA);
            Pages pages = h.ioas(ioas).iopt.areasSnapshot().getFirst().pages;
            assertThat(pages.dmabuf().trackCount()).isEqualTo(2);
            revoke(h, dfd, true);
            assertThat(a.mapped).isEmpty();
            assertThat(b.mapped).isEmpty();
            assertThat(h.ioas(ioas).iopt.areaCount()).isEqualTo(1);
            FakeDomain c = FakeDomain.full();
            h.ioas(ioas).iopt.addDomain(c);
            assertThat(c.mapped).isEmpty();
            revoke(h, dfd, false);
            assertThat(a.mapped).as("a revoke is final for the mapping").isEmpty();
            h.mapFile(ioas, RW | FIXED, dfd, 0, BUF, 2 * IOVA);
            assertThat(a.mapped).containsOnlyKeys(2 * IOVA);
            assertThat(c.mapped).containsOnlyKeys(2 * IOVA);
            // Invalidation revokes also when the exporter reports "not revoked".
            revoke(h, dfd, false);
            assertThat(a.mapped).isEmpty();
            h.ioas(ioas).iopt.removeDomain(c);
            h.unmap(ioas, 0, -1L);
            h.unmap(other, 0, -1L);
            assertThat(pages.dmabuf().trackCount()).isZero();
            assertThat(dmabuf(h, dfd).attachmentCount()).isZero();
            h.kernel.close(dfd);
        }
    }

    @Test
    @DisplayName("a device's DMA through the IOMMU reaches the buffer; after a revoke it faults")
    void deviceDmaIntoTheBuffer() {
        try (Harness h = harness()) {
            int ioas = h.ioasAlloc();
            IommufdDevice dev = IommufdDevice.bind(
                    h.ctx,
                    new IommuDevice(
                            "dmabuf-dev", IommuDriver.INTEL_VTD, DMAR, new Group(nextGroup), nextGroup++, true, 0));
            dev.attach(NO_PASID, ioas);
            int dfd = dmabufGet(h, BUF);
            h.mapFile(ioas, RW | FIXED, dfd, 0, BUF, IOVA);
            MemorySegment memory = ((SelftestDmaBuf) dmabuf(h, dfd).exporter()).memory();
            MemorySegment src = h.arena.allocate(8);
            src.set(ValueLayout.JAVA_LONG, 0, 0x0123456789abcdefL);
            dev.dev.dma().dmaWrite(IOVA + PAGE + 8, src);
            assertThat(memory.get(ValueLayout.JAVA_LONG, PAGE + 8)).isEqualTo(0x0123456789abcdefL);
            memory.set(ValueLayout.JAVA_LONG, 3 * PAGE, 42);
            MemorySegment dst = h.arena.allocate(8);
            dev.dev.dma().dmaRead(IOVA + 3 * PAGE, dst);
            assertThat(dst.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(42);
            assertThat(h.pinnedPages()).isZero();
            revoke(h, dfd, true);
            assertThatThrownBy(() -> dev.dev.dma().dmaRead(IOVA, dst)).isInstanceOf(IommuFaultException.class);
            assertThat(h.unmap(ioas, IOVA, BUF)).isEqualTo(BUF);
            dev.detach(NO_PASID);
            dev.unbind();
            h.kernel.close(dfd);
        }
    }

    @Test
    @DisplayName("failed imports leave no attachment: unsupported exporter, revoked buffer, bad range")
    void failuresLeaveNothing() {
        try (Harness h = harness()) {
            int ioas = h.ioasAlloc();
            int dfd = dmabufGet(h, BUF);
            DmaBuf d = dmabuf(h, dfd);
            revoke(h, dfd, true);
            assertThat(errno(() -> h.mapFile(ioas, RW, dfd, 0, BUF, 0))).isEqualTo(Errno.ENODEV);
            assertThat(errno(() -> h.mapFile(ioas, RW, dfd, 0, BUF + 1, 0))).isEqualTo(Errno.EINVAL);
            assertThat(d.attachmentCount()).isZero();
            revoke(h, dfd, false);
            h.mapFile(ioas, RW | FIXED, dfd, 0, BUF, IOVA);
            assertThat(errno(() -> h.mapFile(ioas, RW | FIXED, dfd, 0, BUF, IOVA)))
                    .isEqualTo(Errno.EEXIST);
            assertThat(d.attachmentCount()).isEqualTo(1);
            h.kernel.close(dfd);
            assertThat(errno(() -> dmabufGet(h, 0))).isEqualTo(Errno.EINVAL);
            int memfd = h.kernel.memfd("other", 0);
            assertThat(errno(() -> revoke(h, memfd, true))).isEqualTo(Errno.EINVAL);
            h.kernel.close(memfd);
        }
    }

    @Test
    @DisplayName("closing the iommufd releases the buffer: its memory is freed once the fd is closed too")
    void closeReleasesEverything() {
        Harness h = harness();
        int ioas = h.ioasAlloc();
        h.ioas(ioas).iopt.addDomain(FakeDomain.full());
        int dfd = dmabufGet(h, BUF);
        h.mapFile(ioas, RW, dfd, 0, BUF, 0);
        DmaBuf d = dmabuf(h, dfd);
        MemorySegment memory = ((SelftestDmaBuf) d.exporter()).memory();
        h.kernel.close(dfd);
        assertThat(memory.scope().isAlive()).as("the mapping holds the buffer").isTrue();
        h.close();
        assertThat(d.attachmentCount()).isZero();
        assertThat(memory.scope().isAlive()).isFalse();
    }
}
