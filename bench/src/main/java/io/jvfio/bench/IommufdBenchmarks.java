package io.jvfio.bench;

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
 * issues them). No domain is attached, so these measure the ioctl ladder and the IOVA bookkeeping;
 * user memory is never touched (pinning is lazy). {@link Baseline#trivialIoctl} is the yardstick
 * the runner divides every other result by.
 */
public final class IommufdBenchmarks {
    private IommufdBenchmarks() {}

    static final long IOVA = 1L << 32;

    /** The cheapest ioctl that goes through the whole ladder: IOMMU_OPTION HUGE_PAGES GET. */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public static class Baseline {
        EmulatedIommu iommu;
        int ioas;

        @Setup
        public void setUp() {
            iommu = new EmulatedIommu();
            ioas = iommu.ioasAlloc();
        }

        @TearDown
        public void tearDown() {
            iommu.close();
        }

        @Benchmark
        public long trivialIoctl() {
            return iommu.hugePagesGet(ioas);
        }
    }

    /** IOAS_MAP then IOAS_UNMAP of one range, at 4 KiB, 2 MiB and 1 GiB. */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public static class MapUnmap {
        @Param({"4096", "2097152", "1073741824"})
        public long size;

        EmulatedIommu iommu;
        int ioas;

        @Setup
        public void setUp() {
            iommu = new EmulatedIommu();
            ioas = iommu.ioasAlloc();
        }

        @TearDown
        public void tearDown() {
            iommu.close();
        }

        @Benchmark
        public long mapUnmap() {
            // The source address is never dereferenced without a domain; any aligned value does.
            iommu.mapFixed(ioas, 1L << 40, size, IOVA);
            return iommu.unmap(ioas, IOVA, size);
        }
    }

    /** IOAS_COPY of a 2 MiB range between two IOASes (sharing its page set), then its unmap. */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public static class Copy {
        static final long SIZE = 2L << 20;
        EmulatedIommu iommu;
        int src;
        int dst;

        @Setup
        public void setUp() {
            iommu = new EmulatedIommu();
            src = iommu.ioasAlloc();
            dst = iommu.ioasAlloc();
            iommu.mapFixed(src, 1L << 40, SIZE, IOVA);
        }

        @TearDown
        public void tearDown() {
            iommu.close();
        }

        @Benchmark
        public long copyUnmap() {
            iommu.copyFixed(dst, src, IOVA, SIZE, IOVA);
            return iommu.unmap(dst, IOVA, SIZE);
        }
    }

    /** IOAS_IOVA_RANGES of a fresh IOAS (one range). */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public static class IovaRanges {
        EmulatedIommu iommu;
        int ioas;

        @Setup
        public void setUp() {
            iommu = new EmulatedIommu();
            ioas = iommu.ioasAlloc();
        }

        @TearDown
        public void tearDown() {
            iommu.close();
        }

        @Benchmark
        public int iovaRanges() {
            return iommu.iovaRanges(ioas);
        }
    }
}
