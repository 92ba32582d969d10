package io.jvfio.devices.migration;

import static io.jvfio.abi.vfio.VfioConst.VFIO_PCI_CONFIG_REGION_INDEX;
import static io.jvfio.abi.vfio.VfioDeviceFeatureMigState.*;
import static io.jvfio.devices.edu.EduDevice.*;
import static io.jvfio.emulator.pci.PciRegs.COMMAND;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MASTER;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MEMORY;
import static io.jvfio.emulator.vfio.TestMachine.EDU;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingControl;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingRange;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingReport;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioPrecopyInfo;
import io.jvfio.devices.DefaultPlatform;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.vfio.TestMachine;
import io.jvfio.emulator.vfio.pci.VfioPciMigrationDriver;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * edu migrating through jvfio-mig-vfio-pci (and wrapped by vfio-mdev-pci) from one emulated
 * machine to another; its DMA writes reported by DMA logging.
 */
class EduMigrationTest {
    private static final long IOVA = 0x100000;
    private static final int LENGTH = 2048;
    private static final String UUID = "2c9f7d0e-7a3b-4f8e-9e52-5d7a1b3c0001";
    private static final long CONFIG = (long) VFIO_PCI_CONFIG_REGION_INDEX << 40;

    private final Arena arena = Arena.ofAuto();
    private final TestMachine src = machine();
    private final TestMachine dst = machine();

    private static TestMachine machine() {
        return TestMachine.on(EmulatedKernel.create(EmulatorConfig.defaults(), new DefaultPlatform()));
    }

    static MemorySegment feature(Arena arena, int flags, long dataSize) {
        MemorySegment f = arena.allocate(VfioDeviceFeature.DEF.size() + Math.max(8, dataSize), 8);
        VfioDeviceFeature.ARGSZ.set(f, (int) (VfioDeviceFeature.DEF.size() + dataSize));
        VfioDeviceFeature.FLAGS.set(f, flags);
        return f;
    }

    static MemorySegment data(MemorySegment f) {
        return f.asSlice(VfioDeviceFeature.DEF.size());
    }

    static int setState(TestMachine m, Arena arena, int fd, int state) {
        MemorySegment f = feature(arena, VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE, 8);
        VfioDeviceFeatureMigState.DEVICE_STATE.set(data(f), state);
        m.kernel.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f);
        return VfioDeviceFeatureMigState.DATA_FD.get(data(f));
    }

    static byte[] drain(TestMachine m, Arena arena, int dataFd) {
        MemorySegment buf = arena.allocate(1 << 16);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long n; (n = m.kernel.read(dataFd, buf)) > 0; ) {
            out.writeBytes(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
        return out.toByteArray();
    }

    static void feed(TestMachine m, Arena arena, int dataFd, byte[] stream) {
        MemorySegment buf = arena.allocate(Math.max(1, stream.length));
        MemorySegment.copy(MemorySegment.ofArray(stream), 0, buf, 0, stream.length);
        for (long off = 0; off < stream.length; ) {
            long n = Math.min(1000, stream.length - off);
            off += m.kernel.write(dataFd, buf.asSlice(off, n));
        }
    }

    private int openEdu(TestMachine m, String driver, MemorySegment ram) {
        m.bind(EDU, driver);
        TestMachine.Iommufd iommufd = m.openIommufd();
        int ioas = iommufd.ioasAlloc();
        iommufd.mapFixed(ioas, ram.address(), ram.byteSize(), IOVA);
        int dfd = m.openBound(m.cdev(EDU), iommufd.fd);
        m.attach(dfd, ioas);
        m.pwrite(dfd, CONFIG + COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);
        return dfd;
    }

    private static void dma(TestMachine m, int dfd, long from, long to, boolean toRam) {
        m.pwrite(dfd, REG_DMA_SOURCE, 8, from);
        m.pwrite(dfd, REG_DMA_DESTINATION, 8, to);
        m.pwrite(dfd, REG_DMA_COUNT, 8, LENGTH);
        m.pwrite(dfd, REG_DMA_COMMAND, 8, DMA_RUN | (toRam ? DMA_TO_RAM : 0));
    }

    @Test
    void eduStateMovesToAnotherMachineAndItsDmaWritesAreLogged() {
        MemorySegment ram = src.openIommufd().buffer(4 * Linux.PAGE_SIZE);
        int s = openEdu(src, VfioPciMigrationDriver.NAME, ram);
        MemorySegment mig = feature(arena, VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_MIGRATION, 8);
        src.kernel.ioctl(s, VfioIoctl.VFIO_DEVICE_FEATURE, mig);
        assertThat(VfioDeviceFeatureMigration.FLAGS.get(data(mig))).isEqualTo(7);

        // DMA logging over the four pages: the device's write to page 2 is reported, its read of page 0 not.
        MemorySegment range = VfioDeviceFeatureDmaLoggingRange.DEF.allocate(arena);
        VfioDeviceFeatureDmaLoggingRange.IOVA.set(range, IOVA);
        VfioDeviceFeatureDmaLoggingRange.LENGTH.set(range, 4 * Linux.PAGE_SIZE);
        MemorySegment start = feature(
                arena,
                VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_DMA_LOGGING_START,
                VfioDeviceFeatureDmaLoggingControl.DEF.size());
        VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(data(start), 4096);
        VfioDeviceFeatureDmaLoggingControl.NUM_RANGES.set(data(start), 1);
        VfioDeviceFeatureDmaLoggingControl.RANGES.set(data(start), range.address());
        src.kernel.ioctl(s, VfioIoctl.VFIO_DEVICE_FEATURE, start);
        assertThat(errno(() -> src.kernel.ioctl(s, VfioIoctl.VFIO_DEVICE_FEATURE, start)))
                .as("a second start")
                .isEqualTo(Errno.EINVAL);
        for (int i = 0; i < LENGTH; i++) {
            ram.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 13 + 5));
        }
        dma(src, s, IOVA, DMA_BUFFER, false);
        dma(src, s, DMA_BUFFER, IOVA + 2 * Linux.PAGE_SIZE, true);
        MemorySegment report = feature(
                arena,
                VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_DMA_LOGGING_REPORT,
                VfioDeviceFeatureDmaLoggingReport.DEF.size());
        MemorySegment bitmap = arena.allocate(8);
        VfioDeviceFeatureDmaLoggingReport.IOVA.set(data(report), IOVA);
        VfioDeviceFeatureDmaLoggingReport.LENGTH.set(data(report), 4 * Linux.PAGE_SIZE);
        VfioDeviceFeatureDmaLoggingReport.PAGE_SIZE.set(data(report), 4096);
        VfioDeviceFeatureDmaLoggingReport.BITMAP.set(data(report), bitmap.address());
        src.kernel.ioctl(s, VfioIoctl.VFIO_DEVICE_FEATURE, report);
        assertThat(bitmap.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0b100);
        bitmap.set(ValueLayout.JAVA_LONG, 0, 0);
        src.kernel.ioctl(s, VfioIoctl.VFIO_DEVICE_FEATURE, report);
        assertThat(bitmap.get(ValueLayout.JAVA_LONG, 0)).as("read and cleared").isZero();

        src.pwrite(s, REG_LIVENESS, 4, 0x1234);
        int save = setState(src, arena, s, STATE_PRE_COPY);
        MemorySegment info = VfioPrecopyInfo.DEF.allocate(arena);
        VfioPrecopyInfo.ARGSZ.set(info, (int) VfioPrecopyInfo.DEF.size());
        src.kernel.ioctl(save, VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO, info);
        assertThat(VfioPrecopyInfo.INITIAL_BYTES.get(info)).isEqualTo(12); // edu sends nothing ahead
        MemorySegment buf = arena.allocate(64);
        assertThat(src.kernel.read(save, buf)).isEqualTo(12);
        assertThat(errno(() -> src.kernel.read(save, buf)))
                .as("PRE_COPY's temporary end")
                .isEqualTo(Errno.ENOMSG);
        byte[] head = buf.asSlice(0, 12).toArray(ValueLayout.JAVA_BYTE);
        assertThat(setState(src, arena, s, STATE_STOP_COPY)).isEqualTo(-1);
        byte[] rest = drain(src, arena, save);
        assertThat(setState(src, arena, s, STATE_STOP)).isEqualTo(-1);

        int d = openEdu(dst, VfioPciMigrationDriver.NAME, ram);
        int resume = setState(dst, arena, d, STATE_RESUMING);
        feed(dst, arena, resume, head);
        feed(dst, arena, resume, rest);
        assertThat(setState(dst, arena, d, STATE_RUNNING)).isEqualTo(-1);
        assertThat(dst.pread(d, REG_LIVENESS, 4)).isEqualTo(~0x1234 & 0xffffffffL);
        ram.asSlice(Linux.PAGE_SIZE, LENGTH).fill((byte) 0);
        dma(dst, d, DMA_BUFFER, IOVA + Linux.PAGE_SIZE, true);
        assertThat(ram.asSlice(Linux.PAGE_SIZE, LENGTH).toArray(ValueLayout.JAVA_BYTE))
                .as("the buffer came along")
                .isEqualTo(ram.asSlice(0, LENGTH).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void eduWrappedAsAnMdevMigratesToo() {
        MemorySegment ram = src.openIommufd().buffer(Linux.PAGE_SIZE);
        src.bind(EDU, "vfio-mdev-pci");
        src.write("/sys/bus/pci/devices/" + EDU + "/mdev_supported_types/vfio-mdev-pci-1/create", UUID);
        TestMachine.Iommufd iommufd = src.openIommufd();
        int ioas = iommufd.ioasAlloc();
        iommufd.mapFixed(ioas, ram.address(), ram.byteSize(), IOVA);
        int s = src.openBound("/dev/vfio/devices/vfio0", iommufd.fd);
        src.attach(s, ioas);
        src.pwrite(s, REG_LIVENESS, 4, 0x77);
        int save = setState(src, arena, s, STATE_STOP_COPY);
        byte[] stream = drain(src, arena, save);
        assertThat(stream.length).isGreaterThan(4096);

        int d = openEdu(dst, VfioPciMigrationDriver.NAME, ram);
        int resume = setState(dst, arena, d, STATE_RESUMING);
        feed(dst, arena, resume, stream);
        assertThat(setState(dst, arena, d, STATE_RUNNING)).isEqualTo(-1);
        assertThat(dst.pread(d, REG_LIVENESS, 4)).isEqualTo(~0x77 & 0xffffffffL);
        int truncated = setState(dst, arena, d, STATE_STOP_COPY);
        assertThat(truncated).isNotNegative();
        assertThat(setState(dst, arena, d, STATE_STOP)).isEqualTo(-1);
        int again = setState(dst, arena, d, STATE_RESUMING);
        feed(dst, arena, again, Arrays.copyOf(stream, stream.length - 1));
        assertThat(errno(() -> setState(dst, arena, d, STATE_STOP))).isEqualTo(Errno.EINVAL);
    }
}
