package io.jvfio.bench;

import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The emulated iommufd through the kernel boundary (raw ioctls with ABI structs, as a program
 * issues them). {@link Baseline#trivialIoctl} is the yardstick the runner divides every other
 * result by; {@link MapUnmap} and {@link Pin} are also printed against their own in-run baselines
 * (no domain; touching the memory from Java).
 */
public final class IommufdBenchmarks {
    private IommufdBenchmarks() {}

    static final long K4 = 4096;
    static final long M2 = 2L << 20;
    static final long G1 = 1L << 30;
    /** Inside the mock domain's aperture [16 MiB, 2 GiB), and room for 1 GiB above it. */
    static final long IOVA = G1;

    /** A fresh emulated kernel with /dev/iommu open and one IOAS: where every benchmark here starts. */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public abstract static class WithIoas {
        EmulatedIommu iommu;
        int ioas;
        private final Arena memory = Arena.ofShared();

        @Setup
        public final void setUp() {
            iommu = new EmulatedIommu();
            ioas = iommu.ioasAlloc();
            prepare();
        }

        @TearDown
        public final void tearDown() {
            iommu.close();
            memory.close();
        }

        /** What a benchmark adds to the IOAS before it runs. */
        void prepare() {}

        /**
         * {@code size} bytes of user memory starting {@code offset} past a 2 MiB boundary, freed with
         * the state. Never touched here: pinning checks the mapping, it does not fault pages in.
         */
        MemorySegment userMemory(long size, long offset) {
            return memory.allocate(size + offset, M2).asSlice(offset, size);
        }
    }

    /** The cheapest ioctl that goes through the whole ladder: IOMMU_OPTION HUGE_PAGES GET. */
    public static class Baseline extends WithIoas {
        @Benchmark
        public long trivialIoctl() {
            return iommu.hugePagesGet(ioas);
        }
    }

    /**
     * The yardstick for {@link Baseline#trivialIoctl} itself: one trivial real system call made
     * through FFM, FIONREAD on an empty pipe (the host kernel's cheapest ioctl with a struct
     * copy-out), on the native backend.
     */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public static class RealSyscall {
        private static final long FIONREAD = 0x541B;
        private final Kernel host = NativeKernel.instance();
        private final Arena arena = Arena.ofShared();
        private final MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
        private int[] pipe;

        @Setup
        public void setUp() {
            pipe = host.pipe(0);
        }

        @TearDown
        public void tearDown() {
            host.close(pipe[0]);
            host.close(pipe[1]);
            arena.close();
        }

        @Benchmark
        public long fionread() {
            return host.ioctl(pipe[0], FIONREAD, count);
        }
    }

    /**
     * IOAS_MAP then IOAS_UNMAP of one range of user memory (2 MiB aligned), at 4 KiB, 2 MiB and 1
     * GiB. {@code domain=false}: nothing attached, so only IOVA bookkeeping (pinning is lazy);
     * {@code domain=true}: a mock device is attached through a domain, so the map pins the pages
     * (checks the range is mapped user memory) and fills the domain's I/O page table, and the
     * unmap clears it, invalidates the IOTLB and unpins.
     */
    public static class MapUnmap extends WithIoas {
        @Param({"4096", "2097152", "1073741824"})
        public long size;

        @Param({"false", "true"})
        public boolean domain;

        private MemorySegment memory;

        @Override
        void prepare() {
            memory = userMemory(size, 0);
            if (domain) {
                iommu.mockDomain(ioas);
            }
        }

        @Benchmark
        public long mapUnmap() {
            iommu.mapFixed(ioas, memory.address(), size, IOVA);
            return iommu.unmap(ioas, IOVA, size);
        }
    }

    /**
     * Pinning 1 GiB: IOAS_MAP of 1 GiB of user memory into an IOAS with a mock domain attached,
     * then its IOAS_UNMAP. {@code leaves} decides the domain's page size: {@code 4K} (memory 4 KiB
     * past a 2 MiB boundary: 262,144 leaf entries), {@code 2M} (memory on a 2 MiB boundary: 512
     * leaves), {@code hugePagesOff} (2 MiB-aligned memory, but IOMMU_OPTION HUGE_PAGES = 0 on the
     * IOAS, so the domain is filled one 4 KiB page at a time). Compare with {@link Touch}.
     */
    public static class Pin extends WithIoas {
        @Param({"4K", "2M", "hugePagesOff"})
        public String leaves;

        private MemorySegment memory;

        @Override
        void prepare() {
            memory = userMemory(G1, leaves.equals("4K") ? K4 : 0);
            if (leaves.equals("hugePagesOff")) {
                iommu.hugePagesSet(ioas, 0);
            }
            iommu.mockDomain(ioas);
        }

        @Benchmark
        public long pinUnpin() {
            iommu.mapFixed(ioas, memory.address(), G1, IOVA);
            return iommu.unmap(ioas, IOVA, G1);
        }
    }

    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public static class Touch {
        private Arena arena;
        private MemorySegment memory;

        @Setup
        public void setUp() {
            arena = Arena.ofShared();
            memory = arena.allocate(G1, M2);
        }

        @TearDown
        public void tearDown() {
            arena.close();
        }

        @Benchmark
        public void touch1G() {
            for (long offset = 0; offset < G1; offset += K4) {
                memory.set(ValueLayout.JAVA_BYTE, offset, (byte) offset);
            }
        }
    }

    /** IOAS_COPY of a 2 MiB range between two IOASes (sharing its page set), then its unmap. */
    public static class Copy extends WithIoas {
        int dst;

        @Override
        void prepare() {
            dst = iommu.ioasAlloc();
            // The source address is never dereferenced without a domain; any aligned value does.
            iommu.mapFixed(ioas, 1L << 40, M2, IOVA);
        }

        @Benchmark
        public long copyUnmap() {
            iommu.copyFixed(dst, ioas, IOVA, M2, IOVA);
            return iommu.unmap(dst, IOVA, M2);
        }
    }

    /** IOAS_IOVA_RANGES of a fresh IOAS (one range). */
    public static class IovaRanges extends WithIoas {
        @Benchmark
        public int iovaRanges() {
            return iommu.iovaRanges(ioas);
        }
    }
}
