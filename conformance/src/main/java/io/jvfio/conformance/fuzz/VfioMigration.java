package io.jvfio.conformance.fuzz;

import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigDataSize;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioPrecopyInfo;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The VFIO-mode operations on migration (vfio.h's MIG_DEVICE_STATE state machine, its data fds,
 * PRECOPY_INFO), aimed mostly at the mtty mdevs (the only migratable devices; edu and NVMe answer
 * ENOTTY) and sometimes at any other fd. The data fds a state change returns join the replay's
 * fds as kind {@code saving} or {@code resuming}; what was read from each is kept so that a later write can resume it
 * elsewhere. Everything logged is the same on both kernels: errnos, sizes, state numbers, and a
 * CRC of the bytes read (mtty's saved state depends only on what was done to the device).
 */
final class VfioMigration {
    /** Read sizes: none, odd ones, mtty's header (24) and port (36), the whole state, a page. */
    private static final int[] READ_SIZES = {0, 1, 7, 24, 36, 96, 4096};

    private final VfioReplay v;
    /** The bytes read so far from each data fd, by its fds index. */
    private final Map<Integer, byte[]> saved = new HashMap<>();

    VfioMigration(VfioReplay v) {
        this.v = v;
    }

    String execute(String kind, StringBuilder line) {
        return switch (kind) {
            case "feature_migration" -> {
                int dev = deviceFd(line);
                // Mostly a plain GET; sometimes PROBE, SET (refused) or a data part too small.
                int how = v.r.nextInt(8);
                int flags =
                        switch (how) {
                            case 0 -> VfioDeviceFeature.FEATURE_PROBE | VfioDeviceFeature.FEATURE_GET;
                            case 1 -> VfioDeviceFeature.FEATURE_SET;
                            default -> VfioDeviceFeature.FEATURE_GET;
                        };
                long size = how == 2 ? 4 : VfioDeviceFeatureMigration.DEF.size();
                line.append(" flags=")
                        .append(Integer.toHexString(flags))
                        .append(" size=")
                        .append(size);
                MemorySegment f = feature(flags | VfioDeviceFeature.FEATURE_MIGRATION, size);
                v.k.ioctl(dev, VfioIoctl.VFIO_DEVICE_FEATURE, f);
                yield "flags=" + VfioDeviceFeatureMigration.FLAGS.get(data(f));
            }
            case "mig_state_set" -> {
                int dev = deviceFd(line);
                int of = v.picked;
                // Every state, ERROR and the first past the enum included; RUNNING and STOP more often.
                int[] states = {0, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8};
                int state = states[v.r.nextInt(states.length)];
                line.append(" state=").append(state);
                MemorySegment f = feature(
                        VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE,
                        VfioDeviceFeatureMigState.DEF.size());
                VfioDeviceFeatureMigState.DEVICE_STATE.set(data(f), state);
                VfioDeviceFeatureMigState.DATA_FD.set(data(f), 0x5a5a);
                v.k.ioctl(dev, VfioIoctl.VFIO_DEVICE_FEATURE, f);
                int dataFd = VfioDeviceFeatureMigState.DATA_FD.get(data(f));
                if (dataFd < 0) {
                    yield "data_fd=" + dataFd;
                }
                String file = state == VfioDeviceFeatureMigState.STATE_RESUMING ? "resuming" : "saving";
                v.fds.add(new VfioReplay.Fd(file, v.fds.get(of).device(), dataFd));
                yield "data_fd=fd#" + (v.fds.size() - 1);
            }
            case "mig_state_get" -> {
                MemorySegment f = feature(
                        VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE,
                        VfioDeviceFeatureMigState.DEF.size());
                v.k.ioctl(deviceFd(line), VfioIoctl.VFIO_DEVICE_FEATURE, f);
                yield "state=" + VfioDeviceFeatureMigState.DEVICE_STATE.get(data(f));
            }
            case "mig_data_size" -> {
                MemorySegment f = feature(
                        VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_MIG_DATA_SIZE,
                        VfioDeviceFeatureMigDataSize.DEF.size());
                v.k.ioctl(deviceFd(line), VfioIoctl.VFIO_DEVICE_FEATURE, f);
                yield "length=" + VfioDeviceFeatureMigDataSize.STOP_COPY_LENGTH.get(data(f));
            }
            case "precopy_v2" -> {
                int dev = deviceFd(line);
                // SET turns v2 on; GET is refused; PROBE asks.
                int[] choices = {
                    VfioDeviceFeature.FEATURE_SET,
                    VfioDeviceFeature.FEATURE_GET,
                    VfioDeviceFeature.FEATURE_PROBE | VfioDeviceFeature.FEATURE_SET
                };
                int flags = choices[v.r.nextInt(choices.length)];
                line.append(" flags=").append(Integer.toHexString(flags));
                yield Long.toString(v.k.ioctl(
                        dev,
                        VfioIoctl.VFIO_DEVICE_FEATURE,
                        feature(flags | VfioDeviceFeature.FEATURE_MIG_PRECOPY_INFOv2, 0)));
            }
            case "precopy_info" -> {
                int fd = v.fd(VfioReplay.Fd::data, true, line);
                MemorySegment info = v.struct(VfioPrecopyInfo.DEF);
                VfioPrecopyInfo.ARGSZ.set(info, v.argsz(VfioPrecopyInfo.DEF.size()));
                // Not a flag vfio.h defines: v1 leaves it, v2 clears it.
                VfioPrecopyInfo.FLAGS.set(info, 0x5a);
                v.k.ioctl(fd, VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO, info);
                yield "flags=" + VfioPrecopyInfo.FLAGS.get(info) + " initial=" + VfioPrecopyInfo.INITIAL_BYTES.get(info)
                        + " dirty=" + VfioPrecopyInfo.DIRTY_BYTES.get(info);
            }
            case "data_read" -> {
                // Only data fds, mostly saving ones: a device fd would read a BAR, and those of
                // edu and NVMe differ.
                String file = v.r.nextInt(4) == 0 ? "resuming" : "saving";
                int fd = v.fd(f -> f.kind().equals(file), false, line);
                int index = v.picked;
                int count = READ_SIZES[v.r.nextInt(READ_SIZES.length)];
                line.append(" count=").append(count);
                MemorySegment buf = v.arena.allocate(Math.max(count, 1));
                long n = v.k.read(fd, buf.asSlice(0, count));
                byte[] bytes = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                saved.merge(index, bytes, VfioMigration::concat);
                yield "n=" + n + " crc=" + Replay.crc(buf.asSlice(0, n));
            }
            case "data_write" -> {
                String file = v.r.nextInt(4) == 0 ? "saving" : "resuming";
                int fd = v.fd(f -> f.kind().equals(file), false, line);
                byte[] bytes = source(line);
                MemorySegment buf = v.arena.allocate(Math.max(bytes.length, 1));
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, buf, 0, bytes.length);
                yield "n=" + v.k.write(fd, buf.asSlice(0, bytes.length));
            }
            case "device_reset" -> Long.toString(v.k.ioctl(deviceFd(line), VfioIoctl.VFIO_DEVICE_RESET, 0L));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /**
     * Before the last close of an mtty's device: 7.2's mtty keeps its migration state across the
     * close but drops its data files, and leaving RESUMING afterwards dereferences the missing
     * resuming file (a NULL pointer oops in mtty_load_state that kills the fuzzer, found by it).
     * So the state is asked and logged, and a device in RESUMING is reset first; the other states
     * carry over to the next open, which is worth exercising.
     */
    void beforeLastClose(int fd, StringBuilder line) {
        MemorySegment f = v.arena.allocate(VfioDeviceFeature.DEF.size() + VfioDeviceFeatureMigState.DEF.size(), 8);
        VfioDeviceFeature.ARGSZ.set(f, (int) f.byteSize());
        VfioDeviceFeature.FLAGS.set(f, VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE);
        try {
            v.k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f);
            int state = VfioDeviceFeatureMigState.DEVICE_STATE.get(data(f));
            line.append(" state=").append(state);
            if (state == VfioDeviceFeatureMigState.STATE_RESUMING) {
                v.k.ioctl(fd, VfioIoctl.VFIO_DEVICE_RESET, 0L);
                line.append(" reset");
            }
        } catch (ErrnoException e) {
            line.append(" state=").append(e.errno().name());
        }
    }

    /**
     * What data_write writes: what was read from a data fd (the whole of it or its first part),
     * or garbage: zeros (a wrong magic) or random bytes.
     */
    private byte[] source(StringBuilder line) {
        List<Integer> from = new ArrayList<>(saved.keySet());
        from.sort(null);
        int how = v.r.nextInt(6);
        if (how < 3 && !from.isEmpty()) {
            int index = from.get(v.r.nextInt(from.size()));
            byte[] all = saved.get(index);
            int length = how == 0 ? v.r.nextInt(all.length + 1) : all.length;
            line.append(" from=fd#").append(index).append(" length=").append(length);
            return Arrays.copyOf(all, length);
        }
        if (how == 3) {
            int length = new int[] {1, 24, 97}[v.r.nextInt(3)];
            line.append(" zeros length=").append(length);
            return new byte[length];
        }
        byte[] garbage = new byte[1 + v.r.nextInt(120)];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) v.r.nextInt(256);
        }
        line.append(" garbage length=").append(garbage.length);
        return garbage;
    }

    /** Mostly a ready mtty device fd (group path or bound cdev), sometimes any device fd. */
    private int deviceFd(StringBuilder line) {
        return v.r.nextInt(8) == 0 ? v.deviceFd(line) : v.fd(VfioReplay.Fd::readyMtty, true, line);
    }

    /** A VFIO_DEVICE_FEATURE argument: the header with {@code flags} and {@code dataSize} bytes of data. */
    private MemorySegment feature(int flags, long dataSize) {
        MemorySegment f = v.arena.allocate(VfioDeviceFeature.DEF.size() + dataSize + 64, 8);
        VfioDeviceFeature.ARGSZ.set(f, v.argsz(VfioDeviceFeature.DEF.size() + dataSize));
        VfioDeviceFeature.FLAGS.set(f, flags);
        return f;
    }

    private static MemorySegment data(MemorySegment feature) {
        return feature.asSlice(VfioDeviceFeature.DEF.size());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
