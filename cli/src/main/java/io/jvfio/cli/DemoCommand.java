package io.jvfio.cli;

import io.jvfio.abi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.api.DmaAccess;
import io.jvfio.api.DmaBuffer;
import io.jvfio.api.Ioas;
import io.jvfio.api.Iommufd;
import io.jvfio.api.Irq;
import io.jvfio.api.Jvfio;
import io.jvfio.api.PciDevices;
import io.jvfio.api.PciDevices.PciDevice;
import io.jvfio.api.Region;
import io.jvfio.api.VfioDevice;
import io.jvfio.api.driver.IoatDriver;
import io.jvfio.api.driver.IoatException;
import io.jvfio.api.driver.NvmeDriver;
import io.jvfio.api.driver.NvmeIdentity;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * jvfio demo: the whole device path, step by step with results and timings: find edu and NVMe in
 * sysfs, bind them to vfio-pci, open their cdevs, bind them to one iommufd and attach them to one
 * IOAS, then an edu DMA round trip with its MSI and NVMe identify + write + read-back.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run the device passthrough demo: edu DMA round trip and NVMe I/O through VFIO + iommufd.")
final class DemoCommand implements Callable<Integer> {
    /** edu masks DMA addresses to 28 bits: its buffer must sit below 256 MiB of IOVA space. */
    private static final long EDU_IOVA = 0x100000;

    private static final long EDU_BUFFER = 0x40000;
    private static final int EDU_BYTES = 1024;
    private static final int NVME_BYTES = 64 * 1024;
    private static final int IOAT_BYTES = 1 << 20;
    private static final long NVME_LBA = 0x800;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOptions backend;

    @Mixin
    PlatformOptions platform;

    @Option(names = "--native", description = "Same as --backend native (kept for scripts).")
    boolean nativeBackend;

    @Option(names = "--poll", description = "NVMe completions by polling the phase bit instead of MSI-X.")
    boolean poll;

    private PrintWriter out;
    private int passed;
    private int failed;
    private final List<String> absent = new ArrayList<>();

    /** The described machine has no such device: its section is skipped, not failed. */
    private static final class Absent extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Absent(String message) {
            super(message);
        }
    }

    /** A step failed; the rest of its section cannot run. */
    private static final class StepFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        if (nativeBackend && !backend.name("native").equals("native")) {
            throw new ParameterException(
                    spec.commandLine(), "--native and --backend " + backend.name(null) + " contradict");
        }
        long start = System.nanoTime();
        try (Jvfio jvfio = backend.open(nativeBackend ? "native" : "emulated", platform)) {
            out.println("jvfio demo on the " + jvfio.backend() + " backend"
                    + (jvfio.backend().equals("emulated")
                            ? " (Linux 7.2 emulated in this JVM, " + (platform.described() ? "described" : "default")
                                    + " platform)"
                            : ""));
            section("iommufd", () -> {
                Iommufd iommufd = step("open /dev/iommu", jvfio::openIommufd, i -> "iommufd ready");
                Ioas ioas = step("allocate an IOAS", iommufd::allocIoas, a -> "IOAS " + a.id());
                section("edu (DMA engine)", () -> edu(jvfio, iommufd, ioas));
                section("NVMe", () -> nvme(jvfio, iommufd, ioas));
                section("NVMe live migration", () -> nvmeMigration(jvfio, iommufd, ioas));
                section("I/OAT (DMA engine)", () -> ioat(jvfio, iommufd, ioas));
                step("close the iommufd", () -> {
                    iommufd.close();
                    return "every object destroyed";
                });
            });
        }
        double ms = (System.nanoTime() - start) / 1e6;
        out.println();
        if (failed == 0) {
            out.printf(
                    Locale.ROOT,
                    "PASS: all %d steps succeeded in %.0f ms%s%n",
                    passed,
                    ms,
                    absent.isEmpty() ? "" : " (not on this machine: " + String.join(", ", absent) + ")");
        } else {
            out.printf(Locale.ROOT, "FAIL: %d of %d steps failed (%.0f ms)%n", failed, passed + failed, ms);
        }
        out.flush();
        return failed == 0 ? UserError.OK : UserError.FAILED;
    }

    private void edu(Jvfio jvfio, Iommufd iommufd, Ioas ioas) {
        VfioDevice edu = openDevice(jvfio, iommufd, ioas, "edu", d -> d.vendor() == 0x1234 && d.device() == 0x11e8);
        try (DmaBuffer buf = jvfio.allocateDma(4096)) {
            step(
                    "map a 4 KiB DMA buffer",
                    () -> buf.map(ioas, EDU_IOVA, DmaAccess.READ_WRITE),
                    m -> String.format(Locale.ROOT, "IOVA 0x%x (below edu's 28-bit DMA mask)", m.iova()));
            Region bar0 = edu.region(0);
            step(
                    "enable bus mastering, read BAR0",
                    () -> {
                        edu.pciConfig().enableBusMaster();
                        return bar0.read(0x00, 4);
                    },
                    id -> {
                        if (id != 0x010000edL) {
                            throw new IllegalStateException("identification register reads 0x" + Long.toHexString(id));
                        }
                        return "identification 0x010000ed";
                    });
            byte[] pattern = pattern(EDU_BYTES, 1);
            MemorySegment mem = buf.segment();
            step("DMA RAM -> device (polled)", () -> {
                MemorySegment.copy(MemorySegment.ofArray(pattern), 0, mem, 0, EDU_BYTES);
                eduDma(bar0, EDU_IOVA, EDU_BUFFER, false);
                return EDU_BYTES + " bytes to device address 0x40000";
            });
            Irq msi = edu.irq(1);
            step("DMA device -> RAM with MSI", () -> {
                msi.enable(1);
                eduDma(bar0, EDU_BUFFER, EDU_IOVA + 2048, true);
                long n = msi.await(0, TIMEOUT);
                if (n == 0) {
                    throw new IllegalStateException("no MSI within " + TIMEOUT.toSeconds() + " s");
                }
                bar0.write(0x64, 4, 0x100); // acknowledge the DMA interrupt
                return n + " interrupt, acknowledged";
            });
            step("compare", () -> {
                byte[] back = mem.asSlice(2048, EDU_BYTES).toArray(ValueLayout.JAVA_BYTE);
                return verify(pattern, back);
            });
            step("close edu (unbind, detach)", () -> {
                buf.close();
                edu.close();
                return "released";
            });
        }
    }

    private void nvme(Jvfio jvfio, Iommufd iommufd, Ioas ioas) {
        VfioDevice dev = openDevice(jvfio, iommufd, ioas, "NVMe", d -> d.classCode() >> 8 == 0x0108);
        NvmeDriver.Options options = NvmeDriver.Options.defaults()
                .withTimeout(TIMEOUT)
                .withCompletion(poll ? NvmeDriver.Completion.POLL : NvmeDriver.Completion.MSIX);
        NvmeDriver nvme = step(
                "reset, enable, identify, I/O queues",
                () -> NvmeDriver.start(jvfio, dev, ioas, options),
                d -> "ready, completions by " + (poll ? "polling" : "MSI-X"));
        try {
            NvmeIdentity id = nvme.identity();
            step(
                    "identify",
                    () -> String.format(
                            Locale.ROOT,
                            "%s, serial %s, firmware %s; %d x %d-byte blocks (%d MiB)",
                            id.model(),
                            id.serial(),
                            id.firmware(),
                            id.blocks(),
                            id.blockSize(),
                            id.capacityBytes() >> 20));
            int blocks = NVME_BYTES / id.blockSize();
            DmaBuffer src = nvme.allocate(NVME_BYTES);
            DmaBuffer dst = nvme.allocate(NVME_BYTES);
            byte[] data = pattern(NVME_BYTES, 2);
            step("write 64 KiB (PRP list)", () -> {
                MemorySegment.copy(MemorySegment.ofArray(data), 0, src.segment(), 0, NVME_BYTES);
                nvme.write(NVME_LBA, blocks, src, 0);
                return blocks + " blocks at LBA " + NVME_LBA;
            });
            step("read back and compare", () -> {
                nvme.read(NVME_LBA, blocks, dst, 0);
                return verify(data, dst.segment().asSlice(0, NVME_BYTES).toArray(ValueLayout.JAVA_BYTE));
            });
            step("flush", () -> {
                nvme.flush();
                return "done" + (poll ? "" : "; " + nvme.interrupts() + " MSI-X interrupts so far");
            });
        } finally {
            step("shutdown (CC.SHN), detach, unbind", () -> {
                nvme.close();
                return "controller shut down, device released";
            });
        }
    }

    /**
     * The NVMe controller's state, with writes still in its queues, moved to a second emulated
     * machine's controller through the migration uAPI; only where the migration driver exists.
     */
    private void nvmeMigration(Jvfio jvfio, Iommufd iommufd, Ioas ioas) {
        if (!jvfio.kernel().name().equals("emulated")) {
            out.println("  skip Linux has no migration driver for QEMU's NVMe (the emulation's is "
                    + NvmeMigrationDemo.DRIVER + ")");
            return;
        }
        String bdf = step(
                "find the NVMe",
                () -> find(jvfio, "NVMe", false, d -> d.classCode() >> 8 == 0x0108)
                        .bdf(),
                b -> b);
        try (Jvfio target = backend.open("emulated", platform); // the same machine, a second time
                DmaBuffer mem = jvfio.allocateDma(NvmeMigrationDemo.MEMORY)) {
            Iommufd targetIommufd = target.openIommufd();
            Ioas targetIoas = targetIommufd.allocIoas();
            step("map queues and data on both machines", () -> {
                mem.map(ioas, NvmeMigrationDemo.IOVA, DmaAccess.READ_WRITE);
                targetIoas.map(mem.segment(), NvmeMigrationDemo.IOVA, DmaAccess.READ_WRITE);
                return String.format(
                        Locale.ROOT, "%d KiB at IOVA 0x%x", NvmeMigrationDemo.MEMORY >> 10, NvmeMigrationDemo.IOVA);
            });
            NvmeMigrationDemo.Side src = step(
                    "bind to " + NvmeMigrationDemo.DRIVER,
                    () -> new NvmeMigrationDemo.Side(jvfio.kernel(), bdf, iommufd, ioas),
                    s -> "source controller (STOP_COPY, P2P, PRE_COPY)");
            NvmeMigrationDemo nvme = new NvmeMigrationDemo(mem.segment());
            step("enable, admin and I/O queues", () -> {
                nvme.bringUp(src);
                return "I/O CQ of 4 entries, SQ of 16, polled";
            });
            byte[] data = pattern(NvmeMigrationDemo.WRITES * NvmeMigrationDemo.PAGE, 3);
            int posted = step(
                    "8 writes of 4 KiB",
                    () -> {
                        MemorySegment.copy(
                                MemorySegment.ofArray(data), 0, mem.segment(), NvmeMigrationDemo.DATA, data.length);
                        nvme.submitWrites(src);
                        return nvme.takePosted();
                    },
                    n -> n + " completed, " + (NvmeMigrationDemo.WRITES - n) + " waiting in the controller");
            int dataFd = step(
                    "PRE_COPY",
                    () -> src.setState(VfioDeviceFeatureMigState.STATE_PRE_COPY),
                    fd -> src.precopyInitialBytes(fd) + " initial bytes (the namespace) while it runs");
            byte[] initial = src.drain(dataFd);
            byte[] rest = step(
                    "STOP_COPY",
                    () -> {
                        src.setState(VfioDeviceFeatureMigState.STATE_STOP_COPY);
                        byte[] r = src.drain(dataFd);
                        jvfio.kernel().close(dataFd);
                        return r;
                    },
                    r -> r.length + " more bytes: registers, queues, completions in flight");
            NvmeMigrationDemo.Side dst = step(
                    "second machine: bind its NVMe",
                    () -> new NvmeMigrationDemo.Side(target.kernel(), bdf, targetIommufd, targetIoas),
                    s -> "a fresh emulated kernel with its own controller");
            step("RESUMING, then RUNNING", () -> {
                int fd = dst.setState(VfioDeviceFeatureMigState.STATE_RESUMING);
                dst.feed(fd, initial);
                dst.feed(fd, rest);
                dst.setState(VfioDeviceFeatureMigState.STATE_RUNNING);
                target.kernel().close(fd);
                return (initial.length + rest.length) + " bytes loaded";
            });
            step("in-flight writes complete there", () -> {
                nvme.complete(dst, NvmeMigrationDemo.WRITES - posted);
                return (NvmeMigrationDemo.WRITES - posted) + " completions";
            });
            step("read back there and compare", () -> {
                nvme.readBack(dst);
                return verify(
                        data,
                        mem.segment()
                                .asSlice(NvmeMigrationDemo.READ, data.length)
                                .toArray(ValueLayout.JAVA_BYTE));
            });
            step("close both controllers", () -> {
                src.close();
                dst.close();
                targetIommufd.close();
                return "released";
            });
        }
    }

    /** A memcpy through the I/OAT channel, and the error an unmapped source gives; only where one exists. */
    private void ioat(Jvfio jvfio, Iommufd iommufd, Ioas ioas) {
        VfioDevice dev =
                openDevice(jvfio, iommufd, ioas, "I/OAT", true, d -> d.vendor() == 0x8086 && d.device() == 0x2021);
        IoatDriver ioat = step(
                "reset the channel, enable MSI-X",
                () -> IoatDriver.start(jvfio, dev, ioas, TIMEOUT),
                d -> "ready, " + d.maxTransfer() / 1024 + " KiB per descriptor");
        try (DmaBuffer src = jvfio.allocateDma(IOAT_BYTES);
                DmaBuffer dst = jvfio.allocateDma(IOAT_BYTES)) {
            byte[] data = pattern(IOAT_BYTES, 3);
            step("memcpy 1 MiB through the engine", () -> {
                src.map(ioas, DmaAccess.READ);
                dst.map(ioas, DmaAccess.WRITE);
                MemorySegment.copy(MemorySegment.ofArray(data), 0, src.segment(), 0, IOAT_BYTES);
                ioat.memcpy(src.iova(), dst.iova(), IOAT_BYTES);
                return verify(data, dst.segment().toArray(ValueLayout.JAVA_BYTE)) + ", " + ioat.interrupts()
                        + " MSI-X interrupt(s)";
            });
            step("memcpy from an unmapped IOVA", () -> {
                try {
                    ioat.memcpy(1L << 40, dst.iova(), 4096);
                } catch (IoatException e) {
                    return "refused: " + e.getMessage() + "; channel reset";
                }
                throw new IllegalStateException("the engine copied from an unmapped IOVA");
            });
        } finally {
            step("reset, detach, close", () -> {
                ioat.close();
                return "channel reset, device released";
            });
        }
    }

    private VfioDevice openDevice(Jvfio jvfio, Iommufd iommufd, Ioas ioas, String what, Predicate<PciDevice> is) {
        return openDevice(jvfio, iommufd, ioas, what, false, is);
    }

    /** Finds the device in sysfs, binds it to vfio-pci if needed, opens its cdev, binds and attaches it. */
    private VfioDevice openDevice(
            Jvfio jvfio, Iommufd iommufd, Ioas ioas, String what, boolean optional, Predicate<PciDevice> is) {
        PciDevice found = step(
                "find in sysfs",
                () -> find(jvfio, what, optional, is),
                d -> String.format(
                        Locale.ROOT,
                        "%s %04x:%04x %s, IOMMU group %s",
                        d.bdf(),
                        d.vendor(),
                        d.device(),
                        d.className(),
                        d.iommuGroup().isPresent() ? d.iommuGroup().getAsInt() : "none"));
        boolean wasBound = found.driver().isPresent();
        String cdev = step(
                "bind to vfio-pci",
                () -> {
                    jvfio.bindToVfioPci(found.bdf());
                    return PciDevices.get(jvfio.kernel(), found.bdf())
                            .cdev()
                            .orElseThrow(() -> new IllegalStateException("vfio-pci made no cdev"));
                },
                c -> (wasBound ? "already bound, " : "driver_override + drivers_probe, ") + c);
        VfioDevice dev = step("open the cdev", () -> jvfio.openDevice(cdev), d -> cdev);
        step("bind to the iommufd", () -> dev.bind(iommufd), id -> "device ID " + id);
        step("attach to the IOAS", () -> dev.attach(ioas), pt -> "IOAS " + ioas.id() + " via HWPT " + pt);
        return dev;
    }

    /** The device to use; an {@code optional} one (no I/OAT in the test VM) may be absent anywhere. */
    private PciDevice find(Jvfio jvfio, String what, boolean optional, Predicate<PciDevice> is) {
        List<PciDevice> all = jvfio.pciDevices().stream().filter(is).toList();
        if (all.isEmpty() && (platform.described() || optional)) {
            absent.add(what);
            throw new Absent("no " + what + " device on the described machine");
        }
        // One already bound to vfio-pci first (the test VM binds them), else the first unbound one.
        return all.stream()
                .filter(d -> d.driver().filter(PciDevices.VFIO_PCI::equals).isPresent())
                .findFirst()
                .or(() -> all.stream().filter(d -> d.driver().isEmpty()).findFirst())
                .orElseThrow(() -> new IllegalStateException(
                        all.isEmpty()
                                ? "no " + what + " device in /sys/bus/pci/devices"
                                : "every " + what + " device is bound to another driver"));
    }

    private static void eduDma(Region bar0, long src, long dst, boolean irq) {
        bar0.write(0x80, 8, src);
        bar0.write(0x88, 8, dst);
        bar0.write(0x90, 8, EDU_BYTES);
        bar0.write(0x98, 8, 0x1 | (dst == EDU_BUFFER ? 0 : 0x2) | (irq ? 0x4 : 0));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while ((bar0.read(0x98, 8) & 0x1) != 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("DMA still running after " + TIMEOUT.toSeconds() + " s");
            }
            Thread.onSpinWait();
        }
    }

    private static byte[] pattern(int bytes, long seed) {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String verify(byte[] expected, byte[] actual) {
        int at = Arrays.mismatch(expected, actual);
        if (at >= 0) {
            throw new IllegalStateException("data differs at byte " + at);
        }
        return expected.length + " bytes identical";
    }

    /** Prints a section title and runs it; a failed step ends the section, not the demo. */
    private void section(String title, Runnable body) {
        out.println();
        out.println(title);
        out.flush();
        try {
            body.run();
        } catch (StepFailed e) {
            out.println("  (rest of " + title + " skipped)");
        }
    }

    private void step(String name, Supplier<String> action) {
        step(name, action, s -> s);
    }

    /** Runs one step, printing its result and time; a failure is printed and ends the section. */
    private <T> T step(String name, Supplier<T> action, Function<T, String> describe) {
        long t0 = System.nanoTime();
        try {
            T result = action.get();
            String text = describe.apply(result);
            passed++;
            print("ok", name, t0, text);
            return result;
        } catch (Absent e) {
            print("skip", name, t0, e.getMessage());
            throw new StepFailed();
        } catch (RuntimeException e) {
            failed++;
            print("FAIL", name, t0, UserError.message(e));
            throw new StepFailed();
        }
    }

    private void print(String status, String name, long t0, String text) {
        double ms = (System.nanoTime() - t0) / 1e6;
        out.printf(
                Locale.ROOT,
                "  %-4s %-36s %9s  %s%n",
                status,
                name,
                ms < 10 ? String.format(Locale.ROOT, "%.2f ms", ms) : String.format(Locale.ROOT, "%.0f ms", ms),
                text);
        out.flush();
    }
}
