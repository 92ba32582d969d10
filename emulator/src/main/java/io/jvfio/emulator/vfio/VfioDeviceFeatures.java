package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingControl;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingRange;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingReport;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigDataSize;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioPrecopyInfo;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.VfioArgsz;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * VFIO_DEVICE_FEATURE as the core handles it ({@code vfio_ioctl_device_feature}): validation of
 * the header, the core's migration and DMA logging features (through the device's {@link
 * VfioMigrationOps} and {@link VfioLogOps}; ENOTTY without them), and the rest for the driver.
 * Also the checks vfio.h gives drivers ({@link #checkFeature}, {@link #checkPrecopyIoctl}).
 */
public final class VfioDeviceFeatures {
    /** LOG_MAX_RANGES: the ranges that fit in one kernel page. */
    private static final long LOG_MAX_RANGES = 4096 / VfioDeviceFeatureDmaLoggingRange.DEF.size();

    private static final int GET = VfioDeviceFeature.FEATURE_GET;
    private static final int SET = VfioDeviceFeature.FEATURE_SET;

    private VfioDeviceFeatures() {}

    /**
     * {@code vfio_check_feature}: EINVAL for GET or SET the feature does not support, then true
     * unless PROBE (answered with 0), then EINVAL without GET or SET or with {@code argsz} below
     * {@code minsz}.
     */
    public static boolean checkFeature(int flags, long argsz, int supportedOps, long minsz) {
        if ((flags & (GET | SET) & ~supportedOps) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & VfioDeviceFeature.FEATURE_PROBE) != 0) {
            return false;
        }
        if ((flags & (GET | SET)) == 0 || argsz < minsz) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return true;
    }

    /**
     * {@code vfio_check_precopy_ioctl}, for a data fd's ioctl: ENOTTY for any other request, EFAULT,
     * EINVAL for argsz below 24; returns the kernel copy of the user's struct, its flags zeroed once
     * user space opted in to PRECOPY_INFOv2 (v1 copies back whatever the user had there).
     */
    public static MemorySegment checkPrecopyIoctl(VfioDevice device, long cmd, long arg, Arena arena) {
        if (cmd != VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        long minsz = VfioPrecopyInfo.DEF.minSize();
        MemorySegment info = VfioArgsz.copyIn(arg, minsz, arena);
        if (device.precopyInfoV2) {
            VfioPrecopyInfo.FLAGS.set(info, 0);
        }
        return info;
    }

    /** {@code vfio_ioctl_device_feature}: EFAULT, argsz below 8, unknown flags, GET with SET (EINVAL). */
    static long ioctl(VfioDevice device, long arg) {
        long minsz = VfioDeviceFeature.FLAGS.offset() + 4;
        int flags;
        long argsz;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = VfioArgsz.copyIn(arg, minsz, arena);
            argsz = VfioArgsz.of(f);
            flags = VfioDeviceFeature.FLAGS.get(f);
        }
        int known = VfioDeviceFeature.FEATURE_MASK | SET | GET | VfioDeviceFeature.FEATURE_PROBE;
        if ((flags & ~known) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & VfioDeviceFeature.FEATURE_PROBE) == 0 && (flags & SET) != 0 && (flags & GET) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long data = arg + minsz;
        long size = argsz - minsz;
        return switch (flags & VfioDeviceFeature.FEATURE_MASK) {
            case VfioDeviceFeature.FEATURE_MIGRATION -> migration(device, flags, data, size);
            case VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE -> migDeviceState(device, flags, data, size);
            case VfioDeviceFeature.FEATURE_DMA_LOGGING_START -> loggingStart(device, flags, data, size);
            case VfioDeviceFeature.FEATURE_DMA_LOGGING_STOP -> loggingStop(device, flags, size);
            case VfioDeviceFeature.FEATURE_DMA_LOGGING_REPORT -> loggingReport(device, flags, data, size);
            case VfioDeviceFeature.FEATURE_MIG_DATA_SIZE -> migDataSize(device, flags, data, size);
            case VfioDeviceFeature.FEATURE_MIG_PRECOPY_INFOv2 -> precopyInfoV2(device, flags, size);
            default -> device.ops().deviceFeature(device, flags, data, size);
        };
    }

    /** {@code vfio_ioctl_device_feature_migration}: GET of the device's migration flags. */
    private static long migration(VfioDevice device, int flags, long arg, long argsz) {
        if (device.migrationOps() == null) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        if (!checkFeature(flags, argsz, GET, VfioDeviceFeatureMigration.DEF.size())) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mig = arena.allocate(VfioDeviceFeatureMigration.DEF.size());
            VfioDeviceFeatureMigration.FLAGS.set(mig, Integer.toUnsignedLong(device.migrationFlags()));
            UserMemory.copyOut(mig, arg, mig.byteSize());
        }
        return 0;
    }

    /**
     * {@code vfio_ioctl_device_feature_mig_device_state}: GET the state, or SET it through the
     * driver. A SET that fails or opens no session writes back data_fd -1 (EFAULT before the
     * driver's errno); a session's fd is installed, and taken back if the copy-out faults.
     */
    private static long migDeviceState(VfioDevice device, int flags, long arg, long argsz) {
        VfioMigrationOps ops = device.migrationOps();
        if (ops == null) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        long size = VfioDeviceFeatureMigState.DEF.size();
        if (!checkFeature(flags, argsz, SET | GET, size)) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mig = UserMemory.copyIn(arg, size, arena);
            if ((flags & GET) != 0) {
                VfioDeviceFeatureMigState.DEVICE_STATE.set(mig, ops.migrationGetState(device));
                VfioDeviceFeatureMigState.DATA_FD.set(mig, -1);
                UserMemory.copyOut(mig, arg, size);
                return 0;
            }
            OpenFile file;
            try {
                file = ops.migrationSetState(device, VfioDeviceFeatureMigState.DEVICE_STATE.get(mig));
            } catch (ErrnoException e) {
                VfioDeviceFeatureMigState.DATA_FD.set(mig, -1);
                UserMemory.copyOut(mig, arg, size);
                throw e;
            }
            if (file == null) {
                VfioDeviceFeatureMigState.DATA_FD.set(mig, -1);
                UserMemory.copyOut(mig, arg, size);
                return 0;
            }
            int fd;
            try {
                fd = device.kernel().installFd(file);
            } catch (ErrnoException e) {
                file.put();
                throw e;
            }
            VfioDeviceFeatureMigState.DATA_FD.set(mig, fd);
            try {
                UserMemory.copyOut(mig, arg, size);
            } catch (ErrnoException e) {
                device.kernel().close(fd);
                throw e;
            }
            return 0;
        }
    }

    /** {@code vfio_ioctl_device_feature_migration_data_size}. */
    private static long migDataSize(VfioDevice device, int flags, long arg, long argsz) {
        VfioMigrationOps ops = device.migrationOps();
        if (ops == null) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        if (!checkFeature(flags, argsz, GET, VfioDeviceFeatureMigDataSize.DEF.size())) {
            return 0;
        }
        long length = ops.migrationGetDataSize(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(VfioDeviceFeatureMigDataSize.DEF.size());
            VfioDeviceFeatureMigDataSize.STOP_COPY_LENGTH.set(out, length);
            UserMemory.copyOut(out, arg, out.byteSize());
        }
        return 0;
    }

    /** {@code vfio_ioctl_device_feature_migration_precopy_info_v2}: EINVAL without PRE_COPY; SET only. */
    private static long precopyInfoV2(VfioDevice device, int flags, long argsz) {
        if ((device.migrationFlags() & VfioDeviceFeatureMigration.MIGRATION_PRE_COPY) == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (checkFeature(flags, argsz, SET, 0)) {
            device.precopyInfoV2 = true;
        }
        return 0;
    }

    /**
     * {@code vfio_ioctl_device_feature_logging_start}: no ranges EINVAL, more than a page of them
     * E2BIG, then per range EFAULT, unaligned to page_size EINVAL, wrapping EOVERFLOW, overlapping
     * EINVAL; then the driver, and if the page size cannot be copied back, a stop and EFAULT.
     */
    private static long loggingStart(VfioDevice device, int flags, long arg, long argsz) {
        VfioLogOps ops = device.logOps();
        if (ops == null) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        long size = VfioDeviceFeatureDmaLoggingControl.DEF.size();
        if (!checkFeature(flags, argsz, SET, size)) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment control = UserMemory.copyIn(arg, size, arena);
            long nnodes = VfioDeviceFeatureDmaLoggingControl.NUM_RANGES.getUnsigned(control);
            if (nnodes == 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (nnodes > LOG_MAX_RANGES) {
                throw new ErrnoException(Errno.E2BIG);
            }
            long pageSize = VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.get(control);
            long ranges = VfioDeviceFeatureDmaLoggingControl.RANGES.get(control);
            long rangeSize = VfioDeviceFeatureDmaLoggingRange.DEF.size();
            List<VfioLogOps.Range> nodes = new ArrayList<>();
            for (long i = 0; i < nnodes; i++) {
                MemorySegment r = UserMemory.copyIn(ranges + i * rangeSize, rangeSize, arena);
                long iova = VfioDeviceFeatureDmaLoggingRange.IOVA.get(r);
                long length = VfioDeviceFeatureDmaLoggingRange.LENGTH.get(r);
                if ((iova & (pageSize - 1)) != 0 || (length & (pageSize - 1)) != 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                if (Long.compareUnsigned(iova + length, iova) < 0) {
                    throw new ErrnoException(Errno.EOVERFLOW);
                }
                long last = iova + length - 1;
                for (VfioLogOps.Range n : nodes) {
                    long nLast = n.iova() + n.length() - 1;
                    if (Long.compareUnsigned(n.iova(), last) <= 0 && Long.compareUnsigned(nLast, iova) >= 0) {
                        throw new ErrnoException(Errno.EINVAL); // overlapping
                    }
                }
                nodes.add(new VfioLogOps.Range(iova, length));
            }
            nodes.sort(Comparator.comparing(VfioLogOps.Range::iova, Long::compareUnsigned));
            long chosen = ops.logStart(device, List.copyOf(nodes), pageSize);
            VfioDeviceFeatureDmaLoggingControl.PAGE_SIZE.set(control, chosen);
            try {
                UserMemory.copyOut(control, arg, size);
            } catch (ErrnoException e) {
                ops.logStop(device);
                throw e;
            }
        }
        return 0;
    }

    /** {@code vfio_ioctl_device_feature_logging_stop}. */
    private static long loggingStop(VfioDevice device, int flags, long argsz) {
        VfioLogOps ops = device.logOps();
        if (ops == null) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        if (checkFeature(flags, argsz, SET, 0)) {
            ops.logStop(device);
        }
        return 0;
    }

    /**
     * {@code vfio_ioctl_device_feature_logging_report}: page_size below 4 KiB or not a power of two
     * EINVAL, a wrapping range EOVERFLOW, then one read-and-clear of the whole range by the driver.
     */
    private static long loggingReport(VfioDevice device, int flags, long arg, long argsz) {
        VfioLogOps ops = device.logOps();
        if (ops == null) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        long size = VfioDeviceFeatureDmaLoggingReport.DEF.size();
        if (!checkFeature(flags, argsz, GET, size)) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment report = UserMemory.copyIn(arg, size, arena);
            long iova = VfioDeviceFeatureDmaLoggingReport.IOVA.get(report);
            long length = VfioDeviceFeatureDmaLoggingReport.LENGTH.get(report);
            long pageSize = VfioDeviceFeatureDmaLoggingReport.PAGE_SIZE.get(report);
            if (Long.compareUnsigned(pageSize, 4096) < 0 || Long.bitCount(pageSize) != 1) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (Long.compareUnsigned(iova + length, iova) < 0) {
                throw new ErrnoException(Errno.EOVERFLOW);
            }
            IovaBitmap bitmap =
                    new IovaBitmap(iova, length, pageSize, VfioDeviceFeatureDmaLoggingReport.BITMAP.get(report));
            ops.logReadAndClear(device, iova, length, bitmap);
        }
        return 0;
    }
}
