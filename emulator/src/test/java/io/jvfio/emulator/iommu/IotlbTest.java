package io.jvfio.emulator.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The IOTLB is used, invalidated exactly where needed, and never lets a stale translation through. */
class IotlbTest {
    private static final long K4 = 4096;
    private static final int RW = IommuDomain.READ | IommuDomain.WRITE;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment mem = arena.allocate(64 * K4, K4);
    private final Iommu iommu = Iommu.create("dmar0", List.of());
    private final DeviceDma dev = iommu.addDevice(1);
    private final PagingDomain domain = (PagingDomain) IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false);

    IotlbTest() {
        dev.attach(domain);
    }

    @AfterEach
    void tearDown() {
        dev.detach();
        domain.close();
        arena.close();
    }

    private long readLong(long iova) {
        MemorySegment dst = Arena.ofAuto().allocate(8);
        dev.dmaRead(iova, dst);
        return dst.get(ValueLayout.JAVA_LONG, 0);
    }

    private void putLong(long offset, long value) {
        mem.set(ValueLayout.JAVA_LONG, offset, value);
    }

    /** Rewrites the leaf PTE behind the domain's back, as a buggy driver skipping the flush would. */
    private void retarget(long iova, long pa) {
        long pte = domain.table.lookup(domain.id, iova).pteAddress;
        HostMemory.writePte(pte, domain.format.leafPte(pa, 12, 0, RW));
    }

    @Test
    void aCachedTranslationIsUsedUntilInvalidated() {
        domain.map(0, mem.address(), K4, RW);
        putLong(0, 111);
        putLong(K4, 222);
        assertThat(readLong(0)).isEqualTo(111);
        long walks = iommu.iotlb.misses();
        assertThat(readLong(0)).isEqualTo(111);
        assertThat(iommu.iotlb.misses()).as("second DMA hit the IOTLB").isEqualTo(walks);

        retarget(0, mem.address() + K4);
        assertThat(readLong(0)).as("the IOTLB still holds the old translation").isEqualTo(111);
        iommu.iotlb.invalidate(domain, K4, 2 * K4 - 1);
        assertThat(readLong(0)).as("a range not covering it keeps it").isEqualTo(111);
        iommu.iotlb.invalidate(domain, 8, 8);
        assertThat(readLong(0)).isEqualTo(222);
    }

    /**
     * A thread's record of a multi-page transfer is a cached translation like an IOTLB entry: its
     * repeat uses it (proven by rewriting a PTE behind its back), and any invalidation of the
     * IOTLB drops it.
     */
    @Test
    void aRecordedTransferIsReusedUntilTheIotlbIsInvalidated() {
        // IOVA pages 0..3 on physical pages 0, 5, 10, 15: four runs.
        for (int i = 0; i < 4; i++) {
            domain.map(i * K4, mem.address() + 5 * i * K4, K4, RW);
        }
        putLong(10 * K4, 111);
        putLong(20 * K4, 222);
        MemorySegment buf = Arena.ofAuto().allocate(4 * K4);
        dev.dmaRead(0, buf);
        assertThat(buf.get(ValueLayout.JAVA_LONG, 2 * K4)).isEqualTo(111);

        retarget(2 * K4, mem.address() + 20 * K4);
        dev.dmaRead(0, buf);
        assertThat(buf.get(ValueLayout.JAVA_LONG, 2 * K4))
                .as("the repeat used the recorded translation")
                .isEqualTo(111);
        dev.dmaRead(K4, buf.asSlice(0, 3 * K4));
        assertThat(buf.get(ValueLayout.JAVA_LONG, K4))
                .as("another transfer walks the table")
                .isEqualTo(222);
        dev.dmaRead(0, buf);
        assertThat(buf.get(ValueLayout.JAVA_LONG, 2 * K4))
                .as("a thread records only its last transfer")
                .isEqualTo(222);

        retarget(2 * K4, mem.address() + 10 * K4);
        dev.dmaRead(0, buf);
        assertThat(buf.get(ValueLayout.JAVA_LONG, 2 * K4)).isEqualTo(222);
        iommu.iotlb.invalidate(domain, 40 * K4, 41 * K4 - 1);
        dev.dmaRead(0, buf);
        assertThat(buf.get(ValueLayout.JAVA_LONG, 2 * K4))
                .as("an invalidation, even of another range, drops the record")
                .isEqualTo(111);
    }

    @Test
    void unmapInvalidatesBeforeReturning() {
        // Not physically contiguous, so two entries (one would cover both, and serve both reads).
        domain.map(0, mem.address(), K4, RW);
        domain.map(K4, mem.address() + 2 * K4, K4, RW);
        readLong(0);
        readLong(K4);
        assertThat(iommu.iotlb.cached(domain.id)).isEqualTo(2);
        assertThat(domain.unmap(0, 2 * K4)).isEqualTo(2 * K4);
        assertThat(iommu.iotlb.cached(domain.id)).isZero();
        IommuFault f = catchThrowableOfType(IommuFaultException.class, () -> readLong(K4))
                .fault();
        assertThat(f.reason()).isEqualTo(FaultReason.NOT_PRESENT);
    }

    @Test
    void remapAfterUnmapIsSeenAtOnce() {
        domain.map(0, mem.address(), K4, RW);
        putLong(0, 1);
        putLong(K4, 2);
        assertThat(readLong(0)).isEqualTo(1);
        domain.unmap(0, K4);
        domain.map(0, mem.address() + K4, K4, RW);
        assertThat(readLong(0)).isEqualTo(2);
    }

    @Test
    void contiguousSmallPagesShareOneEntryThatAnyOverlappingUnmapDrops() {
        domain.map(0, mem.address(), 4 * K4, RW);
        domain.map(4 * K4, mem.address() + 4 * K4, K4, IommuDomain.READ); // other permissions
        domain.map(5 * K4, mem.address() + 7 * K4, K4, RW); // elsewhere
        assertThat(domain.table.lookupSpan(domain.id, 0).size).isEqualTo(4 * K4);
        assertThat(domain.table.lookupSpan(domain.id, K4).size).isEqualTo(3 * K4);
        assertThat(domain.table.lookup(domain.id, 0).size).isEqualTo(K4);

        MemorySegment four = Arena.ofAuto().allocate(4 * K4);
        dev.dmaRead(0, four);
        long walks = iommu.iotlb.misses();
        dev.dmaRead(0, four);
        assertThat(iommu.iotlb.misses()).isEqualTo(walks);
        assertThat(iommu.iotlb.cached(domain.id)).isEqualTo(1);

        assertThat(domain.unmap(2 * K4, K4)).isEqualTo(K4);
        assertThat(iommu.iotlb.cached(domain.id))
                .as("the span overlapped the unmap")
                .isZero();
        IommuFault f = catchThrowableOfType(IommuFaultException.class, () -> dev.dmaRead(0, four))
                .fault();
        assertThat(f.iova()).isEqualTo(2 * K4);
        assertThat(f.reason()).isEqualTo(FaultReason.NOT_PRESENT);
    }

    @Test
    void theLastDeviceLeavingDropsTheDomainsEntries() {
        DeviceDma other = iommu.addDevice(2);
        other.attach(domain);
        domain.map(0, mem.address(), K4, RW);
        readLong(0);
        dev.detach();
        assertThat(iommu.iotlb.cached(domain.id)).as("device 2 still uses them").isEqualTo(1);
        other.detach();
        assertThat(iommu.iotlb.cached(domain.id)).isZero();
        // An unmap while nothing is attached here must not leave anything to go stale.
        domain.unmap(0, K4);
        domain.map(0, mem.address() + K4, K4, RW);
        putLong(K4, 42);
        dev.attach(domain);
        assertThat(readLong(0)).isEqualTo(42);
    }

    @Test
    void entriesOfOtherDomainsSurviveAnInvalidation() {
        PagingDomain d2 = (PagingDomain) IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false);
        DeviceDma other = iommu.addDevice(2);
        other.attach(d2);
        d2.map(0, mem.address(), K4, RW);
        domain.map(0, mem.address(), K4, RW);
        readLong(0);
        other.dmaRead(0, Arena.ofAuto().allocate(8));
        domain.unmap(0, K4);
        assertThat(iommu.iotlb.cached(d2.id)).isEqualTo(1);
        other.detach();
        d2.close();
    }

    /**
     * Devices hammer a page with DMA writes while the main thread unmaps it. Once unmap has
     * returned, a DMA must fault, and no byte may land in the old page any more.
     */
    @Test
    void noDmaUsesATranslationAfterUnmapReturns() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            int threads = 3;
            MemorySegment src = Arena.ofAuto().allocate(K4).fill((byte) 0x5a);
            for (int round = 0; round < 40; round++) {
                MemorySegment target = mem.asSlice((round % 8) * K4, K4);
                domain.map(0x10_0000, target.address(), K4, RW);
                AtomicLong unmappedAt = new AtomicLong(Long.MAX_VALUE);
                AtomicLong writes = new AtomicLong();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    DeviceDma d = t == 0 ? dev : iommu.addDevice(10 + t);
                    if (d != dev) {
                        d.attach(domain);
                    }
                    workers.add(Thread.ofPlatform().start(() -> {
                        try {
                            for (int i = 0; i < 20_000; i++) {
                                boolean after = unmappedAt.get() != Long.MAX_VALUE;
                                try {
                                    d.dmaWrite(0x10_0000, src);
                                    writes.incrementAndGet();
                                    if (after) {
                                        throw new AssertionError("DMA succeeded after unmap returned");
                                    }
                                } catch (IommuFaultException e) {
                                    if (after) {
                                        return; // what we wanted to see
                                    }
                                }
                            }
                        } catch (Throwable e) {
                            failure.set(e);
                        } finally {
                            if (d != dev) {
                                d.detach();
                            }
                        }
                    }));
                }
                while (writes.get() < 50 && workers.stream().anyMatch(Thread::isAlive)) {
                    Thread.onSpinWait();
                }
                assertThat(domain.unmap(0x10_0000, K4)).isEqualTo(K4);
                target.fill((byte) 0);
                unmappedAt.set(System.nanoTime());
                for (Thread w : workers) {
                    w.join();
                }
                assertThat(failure.get()).isNull();
                assertThat(target.mismatch(Arena.ofAuto().allocate(K4)))
                        .as("round %d: a write landed after unmap returned", round)
                        .isEqualTo(-1);
            }
        });
    }

    /**
     * Seeded rounds of devices repeating one multi-page write over scattered pages (so each thread
     * serves it from its transfer record) while the main thread unmaps one page of it. Once unmap
     * has returned, every DMA must fault at that page and no byte may land in its old memory.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void noRecordedTransferOutlivesAnUnmap(long seed) {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            Random rnd = new Random(seed);
            long iova = 0x10_0000;
            DeviceDma[] devices = {dev, iommu.addDevice(11), iommu.addDevice(12)};
            for (int d = 1; d < devices.length; d++) {
                devices[d].attach(domain);
            }
            try {
                for (int round = 0; round < 15; round++) {
                    int pages = 2 + rnd.nextInt(7);
                    int victim = rnd.nextInt(pages);
                    List<Integer> physical = new ArrayList<>();
                    for (int p = 0; p < 64; p++) {
                        physical.add(p);
                    }
                    Collections.shuffle(physical, rnd);
                    for (int i = 0; i < pages; i++) {
                        domain.map(iova + i * K4, mem.address() + physical.get(i) * K4, K4, RW);
                    }
                    MemorySegment victimPage = mem.asSlice(physical.get(victim) * K4, K4);
                    MemorySegment src = Arena.ofAuto().allocate(pages * K4).fill((byte) 0x5a);
                    AtomicLong unmappedAt = new AtomicLong(Long.MAX_VALUE);
                    AtomicLong writes = new AtomicLong();
                    AtomicReference<Throwable> failure = new AtomicReference<>();
                    List<Thread> workers = new ArrayList<>();
                    for (DeviceDma d : devices) {
                        workers.add(Thread.ofPlatform().start(() -> {
                            try {
                                for (int i = 0; i < 20_000; i++) {
                                    boolean after = unmappedAt.get() != Long.MAX_VALUE;
                                    try {
                                        d.dmaWrite(iova, src);
                                        writes.incrementAndGet();
                                        if (after) {
                                            throw new AssertionError("DMA succeeded after unmap returned");
                                        }
                                    } catch (IommuFaultException e) {
                                        assertThat(e.fault().iova()).isEqualTo(iova + victim * K4);
                                        if (after) {
                                            return;
                                        }
                                    }
                                }
                            } catch (Throwable e) {
                                failure.set(e);
                            }
                        }));
                    }
                    while (writes.get() < 50 && workers.stream().anyMatch(Thread::isAlive)) {
                        Thread.onSpinWait();
                    }
                    assertThat(domain.unmap(iova + victim * K4, K4)).isEqualTo(K4);
                    victimPage.fill((byte) 0);
                    unmappedAt.set(System.nanoTime());
                    for (Thread w : workers) {
                        w.join();
                    }
                    assertThat(failure.get()).as("round %d", round).isNull();
                    assertThat(victimPage.mismatch(Arena.ofAuto().allocate(K4)))
                            .as("round %d: a write landed after unmap returned", round)
                            .isEqualTo(-1);
                    for (int i = 0; i < pages; i++) {
                        if (i != victim) {
                            domain.unmap(iova + i * K4, K4);
                        }
                    }
                }
            } finally {
                for (int d = 1; d < devices.length; d++) {
                    devices[d].detach();
                }
            }
        });
    }
}
