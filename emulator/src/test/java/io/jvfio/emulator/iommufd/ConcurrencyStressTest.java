package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.Harness.FIXED;
import static io.jvfio.emulator.iommufd.Harness.PAGE;
import static io.jvfio.emulator.iommufd.Harness.RW;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Threads map, unmap and copy in parallel on two IOASes that have domains (so every operation
 * pins and unpins); after each round the invariants must hold: areas disjoint and complete, each
 * page set's pin count equal to the pages its users cover, and VmPin equal to the distinct pinned
 * pages. Bounded by a seed, an operation count and a time budget.
 */
class ConcurrencyStressTest {
    private static final int THREADS = 4;
    private static final int ROUNDS = 6;
    private static final int OPS_PER_ROUND = 100;
    private static final long BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);
    private static final long WINDOW = 1L << 32;
    private static final long WINDOW_BASE = 1L << 40;
    private static final Set<Errno> EXPECTED = Set.of(Errno.EEXIST, Errno.ENOENT, Errno.EBUSY);

    @ParameterizedTest
    @ValueSource(longs = {1, 20261121})
    @DisplayName("parallel map/unmap/copy keep the area tree and pin counts consistent")
    void parallelMapUnmapCopy(long seed) throws Exception {
        try (Harness h = new Harness()) {
            int a = h.ioasAlloc();
            int b = h.ioasAlloc();
            h.ioas(a).iopt.addDomain(FakeDomain.full());
            h.ioas(b).iopt.addDomain(FakeDomain.full());
            MemorySegment buf = h.buffer(64 * PAGE);
            Set<String> unexpected = ConcurrentHashMap.newKeySet();
            long deadline = System.nanoTime() + BUDGET_NANOS;
            for (int round = 0; round < ROUNDS && System.nanoTime() < deadline; round++) {
                CyclicBarrier start = new CyclicBarrier(THREADS);
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long threadSeed = seed * 31 + round * 7L + t;
                    long window = WINDOW_BASE + t * WINDOW;
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            start.await();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        work(h, new Random(threadSeed), a, b, buf, window, unexpected);
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
                assertThat(unexpected).as("round %d", round).isEmpty();
                assertThat(h.checkInvariants()).as("round %d", round).isEqualTo(h.pinnedPages());
            }
            h.unmap(a, 0, -1L);
            h.unmap(b, 0, -1L);
            assertThat(h.pinnedPages()).isZero();
        }
    }

    private static void work(Harness h, Random rnd, int a, int b, MemorySegment buf, long window, Set<String> bad) {
        List<Long> auto = new ArrayList<>();
        for (int i = 0; i < OPS_PER_ROUND; i++) {
            long off = rnd.nextInt(64) * PAGE;
            long len = (1 + rnd.nextInt(8)) * PAGE;
            long va = buf.address() + rnd.nextInt(56) * PAGE;
            try {
                switch (rnd.nextInt(6)) {
                    case 0, 1 -> h.map(a, RW | FIXED, va, len, window + off);
                    case 2 -> h.unmap(a, window + off, len + rnd.nextInt(4) * PAGE);
                    case 3 -> h.copy(b, a, RW | FIXED, window + off, len, window + off);
                    case 4 -> {
                        if (auto.isEmpty() || rnd.nextBoolean()) {
                            auto.add(h.map(b, RW, va, len, 0));
                        } else {
                            h.unmap(b, auto.remove(rnd.nextInt(auto.size())), -1L >>> 1);
                        }
                    }
                    default -> h.unmap(b, window, WINDOW);
                }
            } catch (ErrnoException e) {
                if (!EXPECTED.contains(e.errno())) {
                    bad.add(e.getMessage());
                }
            }
        }
    }
}
