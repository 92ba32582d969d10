package io.jvfio.bench;

import io.jvfio.emulator.iommu.DeviceDma;
import io.jvfio.emulator.iommu.Iommu;
import io.jvfio.emulator.iommu.IommuDomain;
import io.jvfio.emulator.iommu.PageTableFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * DMA through the emulated IOMMU (VT-d second stage) against a plain {@link MemorySegment#copy}
 * of the same bytes between the same two buffers, measured in the same run. {@code pages}: LARGE
 * maps the host buffer with 2 MiB leaves, SMALL forces 4 KiB leaves (physical address offset by
 * 4 KiB), so a transfer crosses a leaf every 4 KiB.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DmaBenchmark {
    private static final long M2 = 2L << 20;
    private static final long IOVA = 1L << 30;

    @Param({"64", "4096", "65536", "2097152"})
    public int size;

    @Param({"LARGE", "SMALL"})
    public String pages;

    private Arena arena;
    private MemorySegment host;
    private MemorySegment device;
    private IommuDomain domain;
    private DeviceDma dma;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        host = arena.allocate(2 * M2 + 4096, M2).asSlice(pages.equals("SMALL") ? 4096 : 0, M2);
        device = arena.allocate(size, 64);
        domain = IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false);
        domain.map(IOVA, host.address(), M2, IommuDomain.READ | IommuDomain.WRITE);
        dma = Iommu.create("bench", List.of()).addDevice(1);
        dma.attach(domain);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dma.detach();
        domain.close();
        arena.close();
    }

    /** Baseline for {@link #dmaWrite}: device buffer to host memory. */
    @Benchmark
    public void copyToHost() {
        MemorySegment.copy(device, 0, host, 0, size);
    }

    /** Baseline for {@link #dmaRead}: host memory to device buffer. */
    @Benchmark
    public void copyFromHost() {
        MemorySegment.copy(host, 0, device, 0, size);
    }

    @Benchmark
    public void dmaWrite() {
        dma.dmaWrite(IOVA, device);
    }

    @Benchmark
    public void dmaRead() {
        dma.dmaRead(IOVA, device);
    }
}
