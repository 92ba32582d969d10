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
 * maps the host buffer with 2 MiB leaves; SMALL forces 4 KiB leaves (physical address offset by
 * 4 KiB) over contiguous memory; SCATTERED maps IOVA page i to host page 5i mod 512, so every 4 KiB
 * the DMA continues elsewhere in memory (the plain copy stays contiguous). {@link #copyPagesToHost}
 * and {@link #copyPagesFromHost} copy the same bytes 4 KiB at a time to and from the host pages the
 * DMA reaches, with no translation: the floor a DMA over scattered pages can reach.
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
    /** All of this process's memory, as the emulated IOMMU reaches it. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Param({"64", "4096", "65536", "2097152"})
    public int size;

    @Param({"LARGE", "SMALL", "SCATTERED"})
    public String pages;

    private Arena arena;
    private MemorySegment host;
    private MemorySegment device;
    private IommuDomain domain;
    private DeviceDma dma;
    /** Host address of the page behind each 4 KiB of the transfer. */
    private long[] hostPages;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        host = arena.allocate(2 * M2 + 4096, M2).asSlice(pages.equals("LARGE") ? 0 : 4096, M2);
        device = arena.allocate(size, 64);
        domain = IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false);
        int rw = IommuDomain.READ | IommuDomain.WRITE;
        boolean scattered = pages.equals("SCATTERED");
        if (scattered) {
            for (long page = 0; page < M2 / 4096; page++) {
                domain.map(IOVA + page * 4096, host.address() + (page * 5 % 512) * 4096, 4096, rw);
            }
        } else {
            domain.map(IOVA, host.address(), M2, rw);
        }
        hostPages = new long[(size + 4095) / 4096];
        for (int page = 0; page < hostPages.length; page++) {
            hostPages[page] = host.address() + (scattered ? page * 5L % 512 : page) * 4096;
        }
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

    /** The floor for {@link #dmaWrite}: the same bytes to the same host pages, 4 KiB at a time. */
    public void copyPagesToHost() {
        for (int page = 0; page < hostPages.length; page++) {
            MemorySegment.copy(device, page * 4096L, ALL, hostPages[page], Math.min(size, 4096));
        }
    }

    /** The floor for {@link #dmaRead}: the same bytes from the same host pages, 4 KiB at a time. */
    public void copyPagesFromHost() {
        for (int page = 0; page < hostPages.length; page++) {
            MemorySegment.copy(ALL, hostPages[page], device, page * 4096L, Math.min(size, 4096));
        }
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
