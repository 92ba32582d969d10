package io.jvfio.conformance.migration;

import static io.jvfio.abi.vfio.VfioDeviceFeatureMigState.*;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingControl;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingRange;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingReport;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigDataSize;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioPrecopyInfo;
import io.jvfio.kernel.PollFd;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * VFIO migration (vfio.h's MIG_DEVICE_STATE state machine, the data fd, PRECOPY_INFO) on 7.2's
 * mtty sample: STOP_COPY, P2P and PRE_COPY; PRE_COPY streams the 24-byte header of {@code struct
 * mtty_data}, STOP_COPY adds 36 bytes per port.
 */
class MttyMigrationTest extends MttyFixture {
    private static final int HEADER = 24;
    private static final int DATA_SIZE = HEADER + 2 * 36;
    private static final int[] STATES = {
        STATE_STOP,
        STATE_RUNNING,
        STATE_STOP_COPY,
        STATE_RESUMING,
        STATE_RUNNING_P2P,
        STATE_PRE_COPY,
        STATE_PRE_COPY_P2P
    };
    private static final int UART_TX = 0;
    private static final int UART_FCR = 2;
    private static final int UART_LCR = 3;
    private static final int UART_LSR = 5;
    private static final int UART_SCR = 7;

    @Test
    @DisplayName("FEATURE_MIGRATION, MIG_DATA_SIZE, MIG_DEVICE_STATE GET, PRECOPY_INFOv2 and DMA logging probes")
    void featureFlags() {
        int fd = openCdev(SOURCE);
        MemorySegment mig = feature(
                VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_MIGRATION,
                VfioDeviceFeatureMigration.DEF.size());
        featureIoctl(fd, mig);
        assertThat(VfioDeviceFeatureMigration.FLAGS.get(data(mig)))
                .isEqualTo(VfioDeviceFeatureMigration.MIGRATION_STOP_COPY
                        | VfioDeviceFeatureMigration.MIGRATION_P2P
                        | VfioDeviceFeatureMigration.MIGRATION_PRE_COPY);
        MemorySegment probe = feature(VfioDeviceFeature.FEATURE_PROBE | VfioDeviceFeature.FEATURE_GET | 1, 0);
        assertThat(featureIoctl(fd, probe)).isZero();
        MemorySegment set = feature(VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_MIGRATION, 8);
        assertThat(errno(() -> featureIoctl(fd, set))).isEqualTo(Errno.EINVAL);
        MemorySegment small = feature(VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_MIGRATION, 7);
        assertThat(errno(() -> featureIoctl(fd, small))).isEqualTo(Errno.EINVAL);
        MemorySegment neither = feature(VfioDeviceFeature.FEATURE_MIGRATION, 8);
        assertThat(errno(() -> featureIoctl(fd, neither))).isEqualTo(Errno.EINVAL);

        MemorySegment size = feature(
                VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_MIG_DATA_SIZE,
                VfioDeviceFeatureMigDataSize.DEF.size());
        featureIoctl(fd, size);
        assertThat(VfioDeviceFeatureMigDataSize.STOP_COPY_LENGTH.get(data(size)))
                .isEqualTo(DATA_SIZE);
        assertThat(getState(fd)).isEqualTo(STATE_RUNNING);
        MemorySegment both = feature(
                VfioDeviceFeature.FEATURE_PROBE
                        | VfioDeviceFeature.FEATURE_GET
                        | VfioDeviceFeature.FEATURE_SET
                        | VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE,
                0);
        assertThat(featureIoctl(fd, both)).isZero();

        int v2 = VfioDeviceFeature.FEATURE_MIG_PRECOPY_INFOv2;
        assertThat(errno(() -> featureIoctl(fd, feature(VfioDeviceFeature.FEATURE_GET | v2, 0))))
                .isEqualTo(Errno.EINVAL);
        assertThat(featureIoctl(fd, feature(VfioDeviceFeature.FEATURE_SET | v2, 0)))
                .isZero();

        // mtty's DMA log accepts anything and never reports a page.
        int start = VfioDeviceFeature.FEATURE_DMA_LOGGING_START;
        assertThat(featureIoctl(
                        fd, feature(VfioDeviceFeature.FEATURE_PROBE | VfioDeviceFeature.FEATURE_SET | start, 0)))
                .isZero();
        MemorySegment control =
                feature(VfioDeviceFeature.FEATURE_SET | start, VfioDeviceFeatureDmaLoggingControl.DEF.size());
        assertThat(errno(() -> featureIoctl(fd, control))).isEqualTo(Errno.EINVAL); // no ranges
        MemorySegment range = VfioDeviceFeatureDmaLoggingRange.DEF.allocate(arena);
        VfioDeviceFeatureDmaLoggingRange.IOVA.set(range, 0x1000);
        VfioDeviceFeatureDmaLoggingRange.LENGTH.set(range, 0x3000);
        VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(data(control), 4096);
        VfioDeviceFeatureDmaLoggingControl.NUM_RANGES.set(data(control), 1);
        VfioDeviceFeatureDmaLoggingControl.RANGES.set(data(control), range.address());
        assertThat(featureIoctl(fd, control)).isZero();
        VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(data(control), 0x3000); // not a divisor of the range
        VfioDeviceFeatureDmaLoggingRange.IOVA.set(range, 0x1000);
        assertThat(errno(() -> featureIoctl(fd, control))).isEqualTo(Errno.EINVAL);
        MemorySegment report = feature(
                VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_DMA_LOGGING_REPORT,
                VfioDeviceFeatureDmaLoggingReport.DEF.size());
        MemorySegment bitmap = arena.allocate(8);
        VfioDeviceFeatureDmaLoggingReport.IOVA.set(data(report), 0x1000);
        VfioDeviceFeatureDmaLoggingReport.LENGTH.set(data(report), 0x3000);
        VfioDeviceFeatureDmaLoggingReport.PAGE_SIZE.set(data(report), 2048);
        VfioDeviceFeatureDmaLoggingReport.BITMAP.set(data(report), bitmap.address());
        assertThat(errno(() -> featureIoctl(fd, report))).isEqualTo(Errno.EINVAL); // below 4 KiB
        VfioDeviceFeatureDmaLoggingReport.PAGE_SIZE.set(data(report), 4096);
        assertThat(featureIoctl(fd, report)).isZero();
        assertThat(bitmap.get(ValueLayout.JAVA_LONG, 0)).isZero();
        VfioDeviceFeatureDmaLoggingReport.IOVA.set(data(report), -4096);
        assertThat(errno(() -> featureIoctl(fd, report))).isEqualTo(Errno.EOVERFLOW);
        int stop = VfioDeviceFeature.FEATURE_DMA_LOGGING_STOP;
        assertThat(featureIoctl(fd, feature(VfioDeviceFeature.FEATURE_SET | stop, 0)))
                .isZero();
    }

    /**
     * What a SET from {@code cur} to {@code target} should do on mtty, from vfio.h's rules: EINVAL
     * for ERROR, states past the enum and STOP_COPY to a PRE_COPY state; from RESUMING with no data
     * written, EINVAL too (mtty fails the load). A new data fd exactly when the transition ends in
     * a saving or resuming state that the start was not already sharing a session with.
     */
    private static boolean refused(int cur, int target) {
        return target == STATE_ERROR
                || target >= STATE_NR
                || (cur == STATE_STOP_COPY && (target == STATE_PRE_COPY || target == STATE_PRE_COPY_P2P))
                || (cur == STATE_RESUMING && target != STATE_RESUMING);
    }

    private static boolean saving(int state) {
        return state == STATE_STOP_COPY || state == STATE_PRE_COPY || state == STATE_PRE_COPY_P2P;
    }

    private static boolean opensSession(int cur, int target) {
        if (cur == target) {
            return false;
        }
        return target == STATE_RESUMING || (saving(target) && !saving(cur));
    }

    @Test
    @DisplayName("every transition between the states mtty supports, and the errno of each refused one")
    void everyTransition() {
        int fd = openCdev(SOURCE);
        for (int cur : STATES) {
            for (int target = 0; target <= STATE_NR; target++) {
                k.ioctl(fd, VfioIoctl.VFIO_DEVICE_RESET, 0L);
                assertThat(getState(fd)).isEqualTo(STATE_RUNNING);
                int setup = setState(fd, cur);
                assertThat(getState(fd)).as("entering %d", cur).isEqualTo(cur);
                String arc = cur + " -> " + target;
                final int t = target;
                if (refused(cur, target)) {
                    assertThat(errno(() -> setState(fd, t))).as(arc).isEqualTo(Errno.EINVAL);
                    assertThat(getState(fd)).as(arc + " leaves the state").isEqualTo(cur);
                } else {
                    int dataFd = setState(fd, target);
                    assertThat(getState(fd)).as(arc).isEqualTo(target);
                    assertThat(dataFd >= 0).as(arc + " opens a session").isEqualTo(opensSession(cur, target));
                    if (dataFd >= 0) {
                        close(dataFd);
                    }
                }
                if (setup >= 0) {
                    close(setup);
                }
            }
        }
        k.ioctl(fd, VfioIoctl.VFIO_DEVICE_RESET, 0L);
    }

    private MemorySegment precopyInfo(int flags) {
        MemorySegment info = VfioPrecopyInfo.DEF.allocate(arena);
        VfioPrecopyInfo.ARGSZ.set(info, (int) VfioPrecopyInfo.DEF.size());
        VfioPrecopyInfo.FLAGS.set(info, flags);
        return info;
    }

    @Test
    @DisplayName("the saving and resuming data fds: read, write, poll, PRECOPY_INFO, end of session")
    void dataFdRules() {
        int fd = openCdev(SOURCE);
        int save = setState(fd, STATE_PRE_COPY);
        assertThat(save).isNotNegative();
        MemorySegment buf = arena.allocate(128);
        assertThat(errno(() -> k.write(save, buf.asSlice(0, 4)))).isEqualTo(Errno.EBADF);
        assertThat(errno(() -> k.pread(save, buf, 0))).isEqualTo(Errno.ESPIPE);
        assertThat(errno(() -> k.mmap(4096, Linux.Prot.READ, Linux.Map.SHARED, save, 0)))
                .isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> k.ioctl(save, VfioIoctl.VFIO_DEVICE_RESET, 0L))).isEqualTo(Errno.ENOTTY);
        MemorySegment info = precopyInfo(0x5a);
        VfioPrecopyInfo.ARGSZ.set(info, 23);
        assertThat(errno(() -> k.ioctl(save, VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO, info)))
                .isEqualTo(Errno.EINVAL);
        VfioPrecopyInfo.ARGSZ.set(info, 24);
        k.ioctl(save, VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO, info);
        assertThat(VfioPrecopyInfo.INITIAL_BYTES.get(info)).isEqualTo(HEADER);
        assertThat(VfioPrecopyInfo.DIRTY_BYTES.get(info)).isZero();
        assertThat(VfioPrecopyInfo.FLAGS.get(info)).as("v1 leaves flags alone").isEqualTo(0x5a);
        assertThat(k.poll(List.of(new PollFd(save, Linux.Poll.IN)), 0)[0] & Linux.Poll.IN)
                .isNotZero();

        byte[] header = readAll(save);
        assertThat(header).hasSize(HEADER);
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(h.getLong(0)).isEqualTo(0x7e9d09898c3e2c4eL);
        assertThat(h.getInt(16)).as("nr_ports").isEqualTo(2);
        k.ioctl(save, VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO, info);
        assertThat(VfioPrecopyInfo.INITIAL_BYTES.get(info)).isZero();

        featureIoctl(fd, feature(VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_MIG_PRECOPY_INFOv2, 0));
        MemorySegment v2 = precopyInfo(0x5a);
        k.ioctl(save, VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO, v2);
        assertThat(VfioPrecopyInfo.FLAGS.get(v2)).as("v2 zeroes flags").isZero();

        // PRE_COPY -> STOP_COPY continues the session: no new fd, the ports follow the header.
        assertThat(setState(fd, STATE_STOP_COPY)).isEqualTo(-1);
        assertThat(errno(() -> k.ioctl(save, VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO, info)))
                .isEqualTo(Errno.EINVAL);
        assertThat(readAll(save)).hasSize(DATA_SIZE - HEADER);
        assertThat(k.read(save, buf)).isZero();
        assertThat(setState(fd, STATE_STOP)).isEqualTo(-1);
        assertThat(errno(() -> k.read(save, buf))).isEqualTo(Errno.ENODEV);

        int resume = setState(fd, STATE_RESUMING);
        assertThat(errno(() -> k.read(resume, buf))).isEqualTo(Errno.EBADF);
        assertThat(errno(() -> k.pwrite(resume, buf.asSlice(0, 4), 0))).isEqualTo(Errno.ESPIPE);
        assertThat(errno(() -> k.ioctl(resume, VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO, info)))
                .isEqualTo(Errno.ENOTTY);
        assertThat(errno(() -> k.write(resume, arena.allocate(DATA_SIZE + 1)))).isEqualTo(Errno.ENOMEM);
        assertThat(errno(() -> k.write(resume, arena.allocate(HEADER))))
                .as("a zero magic")
                .isEqualTo(Errno.EFAULT);
        // RESUMING -> STOP needs the whole state
        assertThat(errno(() -> setState(fd, STATE_STOP))).isEqualTo(Errno.EINVAL);
        assertThat(getState(fd)).isEqualTo(STATE_RESUMING);

        // A reset ends every session; the fds stay open but read ENODEV.
        k.ioctl(fd, VfioIoctl.VFIO_DEVICE_RESET, 0L);
        assertThat(getState(fd)).isEqualTo(STATE_RUNNING);
        assertThat(errno(() -> k.write(resume, buf.asSlice(0, 1)))).isEqualTo(Errno.ENODEV);
        int again = setState(fd, STATE_PRE_COPY);
        close(again);
        // The driver keeps its own reference: with the user's fd closed, STOP_COPY opens nothing new.
        assertThat(setState(fd, STATE_STOP_COPY)).isEqualTo(-1);
        k.ioctl(fd, VfioIoctl.VFIO_DEVICE_RESET, 0L);
    }

    @Test
    @DisplayName("a state saved on one mtty (cdev) resumes on another (group path) with its FIFO data intact")
    void saveOnOneResumeOnAnother() {
        int src = openCdev(SOURCE);
        outb(src, BAR1 + UART_FCR, 1); // FIFO on
        byte[] text = "migrate me".getBytes(StandardCharsets.US_ASCII);
        for (byte b : text) {
            outb(src, BAR1 + UART_TX, b);
        }
        outb(src, BAR1 + UART_LCR, 0x03); // 8N1
        outb(src, BAR1 + UART_SCR, 0xa5);

        int save = setState(src, STATE_PRE_COPY);
        byte[] initial = readAll(save);
        assertThat(setState(src, STATE_STOP_COPY)).isEqualTo(-1);
        byte[] rest = readAll(save);
        byte[] stream = new byte[initial.length + rest.length];
        System.arraycopy(initial, 0, stream, 0, initial.length);
        System.arraycopy(rest, 0, stream, initial.length, rest.length);
        assertThat(stream).hasSize(DATA_SIZE);
        assertThat(setState(src, STATE_STOP)).isEqualTo(-1);

        int dst = openThroughGroup(TARGET);
        assertThat(inb(dst, BAR1 + UART_LSR) & 1)
                .as("the target's FIFO starts empty")
                .isZero();
        int resume = setState(dst, STATE_RESUMING);
        assertThat(resume).isNotNegative();
        writeAll(resume, stream, 7); // segmentation need not be preserved
        assertThat(setState(dst, STATE_RUNNING)).isEqualTo(-1);
        assertThat(getState(dst)).isEqualTo(STATE_RUNNING);

        assertThat(inb(dst, BAR1 + UART_LCR)).isEqualTo(0x03);
        assertThat(inb(dst, BAR1 + UART_SCR)).isEqualTo(0xa5);
        byte[] back = new byte[text.length];
        for (int i = 0; i < back.length; i++) {
            assertThat(inb(dst, BAR1 + UART_LSR) & 1).as("data ready").isEqualTo(1);
            back[i] = (byte) inb(dst, BAR1 + UART_TX);
        }
        assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("migrate me");
        assertThat(inb(dst, BAR1 + UART_LSR) & 1).isZero();
        k.ioctl(src, VfioIoctl.VFIO_DEVICE_RESET, 0L);
    }
}
