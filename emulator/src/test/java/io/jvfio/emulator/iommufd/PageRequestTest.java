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
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptPageResponse;
import io.jvfio.abi.iommufd.IommuHwptPgfault;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.PciIommu;
import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.InterruptSink;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciRegs;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.pci.PcieType;
import io.jvfio.kernel.PollFd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Page requests of a PRI-capable PCI function (ATS + PRI capabilities) behind the emulated VT-d:
 * a DMA to pages not present in a HWPT with a fault queue becomes iommu_hwpt_pgfault records on
 * the fault fd, and the DMA waits for the response.
 */
class PageRequestTest {
    private static final long IOVA = 0x10_0000;
    private static final long REC = IommuHwptPgfault.DEF.size();

    private Harness h;
    private PciFunction fn;
    private IommuDevice plainDev;
    private IommuDevice dev;
    private IommufdDevice idev;
    private int ioas;
    private int[] fault;

    @BeforeEach
    void setUp() {
        PciTopology t = PciTopology.build(List.of(
                PciNode.endpoint(6, 0, pcie().atsAndPri(0x100).build()), PciNode.endpoint(7, 0, pcie().build())));
        PciIommu iommu = PciIommu.probe(t);
        dev = iommu.device(PciAddress.parse("00:06.0")).orElseThrow();
        assertThat(dev.priEnabled()).isTrue();
        plainDev = iommu.device(PciAddress.parse("00:07.0")).orElseThrow();
        assertThat(plainDev.priEnabled()).isFalse();
        fn = master(t, dev, "00:06.0");
        h = new Harness();
        ioas = h.ioasAlloc();
        idev = IommufdDevice.bind(h.ctx, dev);
        fault = h.faultAlloc();
    }

    @AfterEach
    void tearDown() {
        idev.detach(NO_PASID);
        idev.unbind();
        h.kernel.close(fault[1]);
        h.close();
    }

    private static PciFunction.Builder pcie() {
        return PciFunction.builder(0x1234, 0x11e8).pciExpress(0x40, PcieType.ENDPOINT, true);
    }

    private static PciFunction master(PciTopology t, IommuDevice d, String address) {
        PciFunction f = t.function(PciAddress.parse(address)).orElseThrow();
        f.attach(d.dmaPort(), InterruptSink.NONE);
        f.config().write(PciRegs.COMMAND, 2, PciRegs.COMMAND_MASTER);
        return f;
    }

    private int faultHwpt() {
        int hwpt = h.hwptAlloc(idev.id(), ioas, IommuHwptAlloc.FAULT_ID_VALID, fault[0]);
        idev.attach(NO_PASID, hwpt);
        return hwpt;
    }

    /** A DMA write of {@code pages} pages of 0x5a bytes on another thread. */
    private CompletableFuture<Void> dmaWrite(long pages) {
        MemorySegment src = h.arena.allocate(pages * PAGE);
        src.fill((byte) 0x5a);
        return CompletableFuture.runAsync(() -> {
            try {
                fn.dma().write(IOVA, src);
            } catch (DmaFaultException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Waits for the fault fd to become readable and reads {@code records} records. */
    private MemorySegment readFaults(int records) {
        h.kernel.poll(List.of(new PollFd(fault[1], Linux.Poll.IN)), -1);
        MemorySegment buf = h.buffer(PAGE).asSlice(0, records * REC);
        assertThat(h.kernel.read(fault[1], buf)).isEqualTo(records * REC);
        return buf;
    }

    private void respond(int cookie, int code) {
        MemorySegment r = h.buffer(PAGE).asSlice(0, IommuHwptPageResponse.DEF.size());
        IommuHwptPageResponse.COOKIE.set(r, cookie);
        IommuHwptPageResponse.CODE.set(r, code);
        assertThat(h.kernel.write(fault[1], r)).isEqualTo(r.byteSize());
    }

    @Test
    @DisplayName("the missing pages of a DMA arrive as one group; after SUCCESS the DMA retries and completes")
    void successRetries() throws Exception {
        faultHwpt();
        CompletableFuture<Void> dma = dmaWrite(3);
        MemorySegment recs = readFaults(3);
        int cookie = IommuHwptPgfault.COOKIE.get(recs);
        int grpid = IommuHwptPgfault.GRPID.get(recs);
        for (int i = 0; i < 3; i++) {
            MemorySegment r = recs.asSlice(i * REC, REC);
            assertThat(IommuHwptPgfault.ADDR.get(r)).isEqualTo(IOVA + i * PAGE);
            assertThat(IommuHwptPgfault.FLAGS.get(r)).isEqualTo(i == 2 ? IommuHwptPgfault.FLAGS_LAST_PAGE : 0);
            assertThat(IommuHwptPgfault.PERM.get(r)).isEqualTo(IommuHwptPgfault.PERM_WRITE);
            assertThat(IommuHwptPgfault.DEV_ID.get(r)).isEqualTo(idev.id());
            assertThat(IommuHwptPgfault.COOKIE.get(r)).isEqualTo(cookie);
            assertThat(IommuHwptPgfault.GRPID.get(r)).isEqualTo(grpid);
        }
        assertThat(dma).isNotDone();
        MemorySegment buf = h.buffer(3 * PAGE);
        h.map(ioas, RW | FIXED, buf.address(), 3 * PAGE, IOVA);
        respond(cookie, IommuHwptPageResponse.SUCCESS);
        dma.get();
        assertThat(buf.get(ValueLayout.JAVA_BYTE, 3 * PAGE - 1)).isEqualTo((byte) 0x5a);
        assertThat(dev.iommu().faultCount()).isZero();
    }

    @Test
    @DisplayName("INVALID, or SUCCESS for a page still not present, ends the DMA with a recorded fault")
    void invalidOrUnresolvedFails() {
        faultHwpt();
        CompletableFuture<Void> dma = dmaWrite(1);
        respond(IommuHwptPgfault.COOKIE.get(readFaults(1)), IommuHwptPageResponse.INVALID);
        assertThatThrownBy(dma::get)
                .isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(DmaFaultException.class);
        assertThat(dev.iommu().faultCount()).isEqualTo(1);

        CompletableFuture<Void> again = dmaWrite(1);
        respond(IommuHwptPgfault.COOKIE.get(readFaults(1)), IommuHwptPageResponse.SUCCESS);
        assertThatThrownBy(again::get).isInstanceOf(ExecutionException.class);
        assertThat(dev.iommu().faultCount()).isEqualTo(2);
        // One group per DMA: nothing more was requested.
        assertThat(h.kernel.read(fault[1], h.buffer(PAGE).asSlice(0, REC))).isZero();
    }

    @Test
    @DisplayName("a DMA on the thread that would answer gives up after the device's timeout; a late response is taken")
    void timeoutOnTheAnsweringThread() {
        faultHwpt();
        dev.setPageRequestTimeout(Duration.ofMillis(1));
        MemorySegment word = h.arena.allocate(8);
        assertThatThrownBy(() -> fn.dma().write(IOVA, word)).isInstanceOf(DmaFaultException.class);
        respond(IommuHwptPgfault.COOKIE.get(readFaults(1)), IommuHwptPageResponse.SUCCESS);
    }

    @Test
    @DisplayName("detaching answers outstanding requests INVALID")
    void detachAnswers() {
        faultHwpt();
        CompletableFuture<Void> dma = dmaWrite(1);
        readFaults(1);
        idev.detach(NO_PASID);
        assertThatThrownBy(dma::get).isInstanceOf(ExecutionException.class);
    }

    @Test
    @DisplayName("without a fault queue on the domain the request is answered INVALID at once")
    void noHandler() {
        idev.attach(NO_PASID, h.hwptAlloc(idev.id(), ioas, 0, 0));
        MemorySegment word = h.arena.allocate(8);
        assertThatThrownBy(() -> fn.dma().write(IOVA, word)).isInstanceOf(DmaFaultException.class);
        assertThat(h.kernel.read(fault[1], h.buffer(PAGE).asSlice(0, REC))).isZero();
    }

    @Test
    @DisplayName("a device without PRI cannot attach to a HWPT with a fault queue (ENODEV)")
    void noPri() {
        IommufdDevice o = IommufdDevice.bind(h.ctx, plainDev);
        try {
            int hwpt = h.hwptAlloc(o.id(), ioas, IommuHwptAlloc.FAULT_ID_VALID, fault[0]);
            assertThat(errno(() -> o.attach(NO_PASID, hwpt))).isEqualTo(Errno.ENODEV);
        } finally {
            o.unbind();
        }
    }
}
