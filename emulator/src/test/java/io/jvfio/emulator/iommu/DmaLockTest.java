package io.jvfio.emulator.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The DMA path's biased lock and the thread's remembered translation: a DMA inside the lock
 * without holding it still holds off unmap, and no remembered translation outlives an unmap.
 */
class DmaLockTest {
    private static final long K4 = 4096;
    private static final long M2 = 2L << 20;
    private static final int RW = IommuDomain.READ | IommuDomain.WRITE;
    private static final long IOVA = 1L << 30;

    private final Arena arena = Arena.ofShared();
    /** Two 2 MiB pages: each maps as one large leaf, or 4 KiB leaves. */
    private final MemorySegment mem = arena.allocate(2 * M2, M2);

    private final Iommu iommu = Iommu.create("dmar0", List.of());
    private final DeviceDma dev = iommu.addDevice(1);
    private final PagingDomain domain = (PagingDomain) IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false);

    DmaLockTest() {
        dev.attach(domain);
    }

    @AfterEach
    void tearDown() {
        dev.detach();
        domain.close();
        arena.close();
    }

    @Test
    void unmapWaitsForADmaThatEnteredWithoutTheLock() throws Exception {
        domain.map(IOVA, mem.address(), M2, RW);
        MemorySegment buf = Arena.ofAuto().allocate(64);
        for (int i = 0; i < 1000; i++) {
            dev.dmaWrite(IOVA, buf); // the first takes the lock and biases it; the rest enter without it
        }
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread device = Thread.ofPlatform()
                .start(() -> dev.dma(IOVA, 64, Access.WRITE, (host, offset) -> {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
        CountDownLatch unmapped = new CountDownLatch(1);
        Thread unmapper = Thread.ofPlatform().start(() -> {
            domain.unmap(IOVA, M2);
            unmapped.countDown();
        });
        assertThat(unmapped.await(200, TimeUnit.MILLISECONDS))
                .as("unmap returned while a DMA was still moving data")
                .isFalse();
        release.countDown();
        assertThat(unmapped.await(10, TimeUnit.SECONDS)).isTrue();
        device.join();
        unmapper.join();
    }

    /**
     * Seeded, bounded: three devices repeat a small write inside one page (served by the thread's
     * remembered translation, the lock biased) while the main thread unmaps that page and maps the
     * IOVA to another. Between unmap and remap every write faults; after unmap returns no byte
     * lands in the old page, and the writes after the remap land in the new one. Large and small leaves, sizes and offsets drawn from the seed.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void noRememberedTranslationOutlivesAnUnmap(long seed) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Random rnd = new Random(seed);
            DeviceDma[] devices = {dev, iommu.addDevice(11), iommu.addDevice(12)};
            for (int d = 1; d < devices.length; d++) {
                devices[d].attach(domain);
            }
            try {
                for (int round = 0; round < 12; round++) {
                    boolean large = rnd.nextBoolean();
                    long leaf = large ? M2 : K4;
                    int oldPage = rnd.nextInt(2);
                    MemorySegment oldMem = mem.asSlice(oldPage * M2, leaf).fill((byte) 0);
                    MemorySegment newMem = mem.asSlice((1 - oldPage) * M2, leaf).fill((byte) 0);
                    domain.map(IOVA, oldMem.address(), leaf, RW);
                    int size = 1 << (3 + rnd.nextInt(7)); // 8 B .. 512 B
                    long offset = rnd.nextLong(leaf / size) * size;
                    MemorySegment src = Arena.ofAuto().allocate(size).fill((byte) (1 + round));
                    // 0: mapped to the old page; 1: unmap returned; 2: the new page is being mapped.
                    AtomicLong phase = new AtomicLong();
                    AtomicLong writes = new AtomicLong();
                    AtomicReference<Throwable> failure = new AtomicReference<>();
                    List<Thread> workers = new ArrayList<>();
                    for (DeviceDma d : devices) {
                        workers.add(Thread.ofPlatform().start(() -> {
                            try {
                                while (true) {
                                    long before = phase.get();
                                    try {
                                        d.dmaWrite(IOVA + offset, src);
                                        writes.incrementAndGet();
                                        if (before == 1 && phase.get() != 2) {
                                            throw new AssertionError("DMA succeeded between unmap and remap");
                                        }
                                        if (before == 2) {
                                            return; // a write begun after the remap began
                                        }
                                    } catch (IommuFaultException e) {
                                        assertThat(e.fault().reason()).isEqualTo(FaultReason.NOT_PRESENT);
                                    }
                                }
                            } catch (Throwable e) {
                                failure.set(e);
                            }
                        }));
                    }
                    long spins = 100 + rnd.nextInt(5_000);
                    while (writes.get() < spins && workers.stream().anyMatch(Thread::isAlive)) {
                        Thread.onSpinWait();
                    }
                    assertThat(domain.unmap(IOVA, leaf)).isEqualTo(leaf);
                    oldMem.fill((byte) 0);
                    phase.set(1);
                    for (int i = rnd.nextInt(3); i > 0; i--) {
                        Thread.yield();
                    }
                    phase.set(2);
                    domain.map(IOVA, newMem.address(), leaf, RW);
                    for (Thread w : workers) {
                        w.join();
                    }
                    assertThat(failure.get()).as("round %d", round).isNull();
                    assertThat(oldMem.mismatch(Arena.ofAuto().allocate(leaf)))
                            .as("round %d: a write landed in the old page after unmap returned", round)
                            .isEqualTo(-1);
                    assertThat(newMem.asSlice(offset, size).mismatch(src))
                            .as("round %d: the write after the remap is in the new page", round)
                            .isEqualTo(-1);
                    domain.unmap(IOVA, leaf);
                }
            } finally {
                for (int d = 1; d < devices.length; d++) {
                    devices[d].detach();
                }
            }
        });
    }
}
