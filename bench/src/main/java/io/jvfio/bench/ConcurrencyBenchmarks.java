package io.jvfio.bench;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.DmaPort;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Throughput of the emulated iommufd when several threads use one open /dev/iommu: the measure of
 * its fine-grained locking. {@link ThreadScaling} runs each benchmark here with 1 and 2 threads
 * ({@code -t}) and divides. Every thread has its own argument structs ({@link EmulatedIommu#view})
 * and its own user memory; what they share is the kernel, the iommufd context and, in {@link
 * SharedIoas}, the IOAS.
 *
 * <ul>
 *   <li>{@link PerThreadIoas}: map+unmap of 4 KiB, each thread in an IOAS of its own;
 *   <li>{@link SharedIoas}: the same in one IOAS, each thread at its own IOVA (2 MiB apart);
 *   <li>both with and without a mock domain ({@code domain}): with one, every map pins and fills
 *       the domain, every unmap clears it and unpins;
 *   <li>{@link CopyRace}: IOAS_COPY out of an area while another thread unmaps and maps it again,
 *       the copy's failures counted ({@link Failures}); {@link CopyRace#sequential} is the same two
 *       operations on one thread;
 *   <li>{@link Dma}: 4 KiB DMA writes from two emulated PCI functions attached to one IOAS (see
 *       {@link TwoDevices}), each thread its own function and its own 4 KiB of the IOAS.
 * </ul>
 */
public final class ConcurrencyBenchmarks {
    private ConcurrencyBenchmarks() {}

    static final long K4 = IommufdBenchmarks.K4;
    static final long M2 = IommufdBenchmarks.M2;
    static final long IOVA = IommufdBenchmarks.IOVA;

    /** One emulated kernel and its /dev/iommu for all threads; which thread is which. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"false", "true"})
        public boolean domain;

        EmulatedIommu iommu;
        /** The IOAS {@link SharedIoas} maps into (with a domain when {@code domain}); idle in {@link PerThreadIoas}. */
        int ioas;

        private final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() {
            iommu = new EmulatedIommu();
            ioas = iommu.ioasAlloc();
            if (domain) {
                iommu.mockDomain(ioas);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            iommu.close();
        }

        int nextThread() {
            return threads.getAndIncrement();
        }
    }

    /** A thread's view of {@link Shared}: its structs, its 4 KiB of user memory, its index. */
    @State(Scope.Thread)
    public abstract static class PerThread {
        EmulatedIommu iommu;
        long userVa;
        int index;
        private final Arena arena = Arena.ofShared();

        @Setup(Level.Trial)
        public final void setUp(Shared shared) {
            iommu = shared.iommu.view();
            userVa = arena.allocate(K4, M2).address();
            index = shared.nextThread();
            prepare(shared);
        }

        @TearDown(Level.Trial)
        public final void tearDown() {
            iommu.close();
            arena.close();
        }

        abstract void prepare(Shared shared);
    }

    /** Each thread maps into an IOAS of its own (with its own mock domain when {@code domain}). */
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public static class PerThreadIoas extends PerThread {
        private int ownIoas;

        @Override
        void prepare(Shared shared) {
            ownIoas = iommu.ioasAlloc();
            if (shared.domain) {
                iommu.mockDomain(ownIoas);
            }
        }

        @Benchmark
        public long mapUnmap() {
            iommu.mapFixed(ownIoas, userVa, K4, IOVA);
            return iommu.unmap(ownIoas, IOVA, K4);
        }
    }

    /** All threads map into the one IOAS of {@link Shared}, each at IOVAs of its own. */
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public static class SharedIoas extends PerThread {
        private int ioas;
        private long iova;

        @Override
        void prepare(Shared shared) {
            ioas = shared.ioas;
            iova = IOVA + index * M2;
        }

        @Benchmark
        public long mapUnmap() {
            iommu.mapFixed(ioas, userVa, K4, iova);
            return iommu.unmap(ioas, iova, K4);
        }
    }

    /** The copies that failed in {@link CopyRace}, per errno (JMH secondary results, per second). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Failures {
        public long enoent;
        public long ebusy;
        public long other;

        void count(ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                enoent++;
            } else if (e.errno() == Errno.EBUSY) {
                ebusy++;
            } else {
                other++;
            }
        }
    }

    /**
     * IOAS_COPY of a 4 KiB area from the source IOAS into a second IOAS (then its unmap there)
     * racing IOAS_UNMAP and IOAS_MAP of that source area: a copy that finds the area gone, or not
     * yet filled, fails ENOENT (EBUSY would mean an unmap met an area a copy holds, which iommufd
     * never refuses: the copy takes its own reference on the page set). With {@code domain} both
     * IOASes have a mock domain, so the copy and the remap pin and fill.
     */
    @State(Scope.Benchmark)
    public static class CopySource {
        @Param({"false", "true"})
        public boolean domain;

        EmulatedIommu iommu;
        private int src;
        private int dst;
        private long userVa;
        private final Arena arena = Arena.ofShared();

        @Setup(Level.Trial)
        public void setUp() {
            iommu = new EmulatedIommu();
            src = iommu.ioasAlloc();
            dst = iommu.ioasAlloc();
            if (domain) {
                iommu.mockDomain(src);
                iommu.mockDomain(dst);
            }
            userVa = arena.allocate(K4, M2).address();
            iommu.mapFixed(src, userVa, K4, IOVA);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            iommu.close();
            arena.close();
        }

        void copyOnce(EmulatedIommu by, Failures failures) {
            try {
                by.copyFixed(dst, src, IOVA, K4, IOVA);
                by.unmap(dst, IOVA, K4);
            } catch (ErrnoException e) {
                failures.count(e);
            }
        }

        void remapOnce(EmulatedIommu by) {
            by.unmap(src, IOVA, K4);
            by.mapFixed(src, userVa, K4, IOVA);
        }
    }

    /** A thread's own argument structs on {@link CopySource}'s /dev/iommu. */
    @State(Scope.Thread)
    public static class View {
        EmulatedIommu iommu;

        @Setup(Level.Trial)
        public void setUp(CopySource source) {
            iommu = source.iommu.view();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            iommu.close();
        }
    }

    /** {@link CopySource}'s race, and its baseline. */
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public static class CopyRace {
        @Benchmark
        @Group("race")
        @GroupThreads(1)
        public void copy(CopySource source, View view, Failures failures) {
            source.copyOnce(view.iommu, failures);
        }

        @Benchmark
        @Group("race")
        @GroupThreads(1)
        public void remap(CopySource source, View view) {
            source.remapOnce(view.iommu);
        }

        /** The baseline: one copy (with its unmap) and one remap in turn on one thread. */
        @Benchmark
        @OperationsPerInvocation(2)
        public void sequential(CopySource source, View view, Failures failures) {
            source.copyOnce(view.iommu, failures);
            source.remapOnce(view.iommu);
        }
    }

    /** Each thread's device of {@link TwoDevices} and its own 4 KiB of the IOAS. */
    @State(Scope.Thread)
    public static class Device {
        DmaPort port;
        long iova;
        MemorySegment data;
        private final Arena arena = Arena.ofShared();

        @Setup(Level.Trial)
        public void setUp(TwoDevices devices) {
            int index = devices.nextThread();
            port = devices.port(index);
            iova = IOVA + (index % (TwoDevices.SIZE / K4)) * K4;
            data = arena.allocate(K4, K4);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** 4 KiB DMA writes from two emulated PCI functions into one IOAS: thread i uses function i mod 2. */
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public static class Dma {
        @Benchmark
        public void dmaWrite(Device device) throws DmaFaultException {
            device.port.write(device.iova, device.data);
        }
    }
}
