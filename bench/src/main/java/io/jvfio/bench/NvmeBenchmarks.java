package io.jvfio.bench;

import io.jvfio.api.DmaBuffer;
import io.jvfio.api.Jvfio;
import io.jvfio.api.PciDevices;
import io.jvfio.api.driver.NvmeDriver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * 4 KiB random reads and writes through the Java NVMe driver ({@link NvmeDriver}) against the
 * emulated controller (bound to vfio-pci through sysfs, on the emulated backend), polled and with
 * MSI-X, against {@link Memcpy#copy4k}, a 4 KiB {@link MemorySegment#copy} measured in the same
 * run. Scores are operations per second, so a command's score is its IOPS. The driver keeps one
 * command in flight, so this is queue depth 1 ({@link NvmeIops} prints the table).
 */
public final class NvmeBenchmarks {
    private NvmeBenchmarks() {}

    static final int K4 = 4096;

    /** The baseline: 4 KiB between two native buffers, the bytes a 4 KiB command moves. */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 1)
    public static class Memcpy {
        private final Arena arena = Arena.ofShared();
        private MemorySegment from;
        private MemorySegment to;

        @Setup
        public void setUp() {
            from = arena.allocate(K4, K4);
            to = arena.allocate(K4, K4);
        }

        @TearDown
        public void tearDown() {
            arena.close();
        }

        @Benchmark
        public void copy4k() {
            MemorySegment.copy(from, 0, to, 0, K4);
        }
    }

    /** A fresh emulated kernel whose NVMe controller the driver has brought up. */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 1)
    public static class Io {
        @Param({"POLL", "MSIX"})
        public NvmeDriver.Completion completion;

        private Jvfio jvfio;
        private NvmeDriver nvme;
        private DmaBuffer buffer;
        /** Random 4 KiB-aligned LBAs over the whole namespace, drawn once (seeded). */
        private long[] lbas;

        private int blocks;
        private int next;

        @Setup
        public void setUp() {
            jvfio = Jvfio.open("emulated");
            String bdf = PciDevices.list(jvfio.kernel()).stream()
                    .filter(d -> d.classCode() >> 8 == 0x0108)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no NVMe controller on the emulated platform"))
                    .bdf();
            jvfio.bindToVfioPci(bdf);
            nvme = NvmeDriver.open(jvfio, bdf, NvmeDriver.Options.defaults().withCompletion(completion));
            buffer = nvme.allocate(K4);
            blocks = K4 / nvme.identity().blockSize();
            long slots = nvme.identity().blocks() / blocks;
            SplittableRandom random = new SplittableRandom(16);
            lbas = new long[1 << 12];
            for (int i = 0; i < lbas.length; i++) {
                lbas[i] = random.nextLong(slots) * blocks;
            }
        }

        @TearDown
        public void tearDown() {
            nvme.close();
            jvfio.close();
        }

        private long lba() {
            return lbas[next++ & (lbas.length - 1)];
        }

        @Benchmark
        public void randomRead4k() {
            nvme.read(lba(), blocks, buffer, 0);
        }

        @Benchmark
        public void randomWrite4k() {
            nvme.write(lba(), blocks, buffer, 0);
        }
    }
}
