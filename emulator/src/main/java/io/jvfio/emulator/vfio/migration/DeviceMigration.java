package io.jvfio.emulator.vfio.migration;

import static io.jvfio.abi.vfio.VfioDeviceFeatureMigState.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.pci.MigratableDevice;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.vfio.IovaBitmap;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.VfioLogOps;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Migration and DMA logging of an emulated PCI function whose model can save and restore itself
 * ({@link MigratableDevice}), as a 7.2 variant driver does it for its hardware: STOP_COPY, P2P
 * (a no-op: the models do no peer-to-peer DMA) and PRE_COPY, which sends the model's initial part
 * while it runs; STOP_COPY stops it and adds the rest. The stream is two records, {@code
 * "JVMG", part, length, bytes}. The DMA log records the function's completed DMA writes at 4 KiB.
 */
public final class DeviceMigration extends SteppedMigration implements VfioLogOps {
    public static final int FLAGS = VfioDeviceFeatureMigration.MIGRATION_STOP_COPY
            | VfioDeviceFeatureMigration.MIGRATION_P2P
            | VfioDeviceFeatureMigration.MIGRATION_PRE_COPY;

    private static final int MAGIC = 0x474d564a; // "JVMG"
    private static final int INITIAL = 1;
    private static final int FINAL = 2;
    private static final int RECORD_HEADER = 12;
    /** What a resuming session takes at most. */
    private static final long RESUME_LIMIT = 512L << 20;

    private static final long LOG_PAGE = 4096;

    private final PciFunction function;
    private final MigratableDevice model;
    private VfioDevice vdev;
    private SaveFile saving;
    private ResumeFile resuming;
    /**
     * Logged ranges and the dirty pages in them; null while logging is off. Written to under this
     * object's monitor; the DMA path reads them under the function's monitor only.
     */
    private volatile List<Range> logRanges;

    private final NavigableSet<Long> dirtyPages = new ConcurrentSkipListSet<>();

    private DeviceMigration(PciFunction function, MigratableDevice model) {
        this.function = function;
        this.model = model;
    }

    /**
     * Gives {@code device} (not yet registered) migration and DMA logging of {@code function},
     * or returns null when the function's model cannot save its state.
     */
    public static DeviceMigration install(VfioDevice device, PciFunction function) {
        MigratableDevice model = function.migratable().orElse(null);
        if (model == null) {
            return null;
        }
        DeviceMigration m = new DeviceMigration(function, model);
        m.vdev = device;
        device.setMigrationOps(m, FLAGS);
        device.setLogOps(m);
        return m;
    }

    @Override
    public long migrationGetDataSize(VfioDevice device) {
        synchronized (function) {
            return 2L * RECORD_HEADER + model.saveInitial().length + model.saveFinal().length;
        }
    }

    /** A driver's open, VFIO_DEVICE_RESET: back to RUNNING (done by whoever holds the state mutex). */
    @Override
    protected void resetToRunning() {
        disableFiles();
        synchronized (function) {
            model.setRunning(true);
        }
    }

    /** close_device: sessions end, logging stops, the device runs again for the next user. */
    public void close() {
        reset();
        logStop(vdev);
    }

    private void disableFiles() {
        if (saving != null) {
            saving.disable();
            saving.put();
            saving = null;
        }
        if (resuming != null) {
            resuming.disable();
            resuming.put();
            resuming = null;
        }
    }

    @Override
    protected OpenFile step(int cur, int next) {
        if ((cur == STATE_RUNNING && next == STATE_RUNNING_P2P)
                || (cur == STATE_RUNNING_P2P && next == STATE_RUNNING)
                || (cur == STATE_PRE_COPY && next == STATE_PRE_COPY_P2P)
                || (cur == STATE_PRE_COPY_P2P && next == STATE_PRE_COPY)) {
            return null; // no peer-to-peer DMA to quiesce
        }
        if (cur == STATE_RUNNING_P2P && next == STATE_STOP) {
            setRunning(false);
            return null;
        }
        if (cur == STATE_STOP && next == STATE_RUNNING_P2P) {
            setRunning(true);
            return null;
        }
        if ((cur == STATE_RUNNING && next == STATE_PRE_COPY)
                || (cur == STATE_RUNNING_P2P && next == STATE_PRE_COPY_P2P)
                || (cur == STATE_STOP && next == STATE_STOP_COPY)) {
            saving = new SaveFile(vdev, this);
            synchronized (function) {
                saving.appendInitial(record(INITIAL, model.saveInitial()));
            }
            if (next == STATE_STOP_COPY) {
                finishSaving();
            }
            return saving.get();
        }
        if (cur == STATE_PRE_COPY_P2P && next == STATE_STOP_COPY) {
            setRunning(false);
            finishSaving();
            return null;
        }
        if ((cur == STATE_STOP_COPY && next == STATE_STOP)
                || (cur == STATE_PRE_COPY && next == STATE_RUNNING)
                || (cur == STATE_PRE_COPY_P2P && next == STATE_RUNNING_P2P)) {
            disableFiles();
            return null;
        }
        if (cur == STATE_STOP && next == STATE_RESUMING) {
            resuming = new ResumeFile(RESUME_LIMIT);
            return resuming.get();
        }
        if (cur == STATE_RESUMING && next == STATE_STOP) {
            load(resuming.bytes());
            disableFiles();
            return null;
        }
        throw new ErrnoException(Errno.EINVAL); // no other arc comes from the state machine
    }

    private void setRunning(boolean running) {
        synchronized (function) {
            model.setRunning(running);
        }
    }

    private void finishSaving() {
        synchronized (function) {
            saving.appendDirty(record(FINAL, model.saveFinal()));
        }
        saving.complete();
    }

    private static byte[] record(int part, byte[] body) {
        return ByteBuffer.allocate(RECORD_HEADER + body.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(MAGIC)
                .putInt(part)
                .putInt(body.length)
                .put(body)
                .array();
    }

    /** RESUMING -> STOP: both records, whole, or EINVAL (the device stays in RESUMING). */
    private void load(byte[] stream) {
        ByteBuffer b = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
        byte[][] parts = new byte[2][];
        for (int part = INITIAL; part <= FINAL; part++) {
            if (b.remaining() < RECORD_HEADER || b.getInt() != MAGIC || b.getInt() != part) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                throw new ErrnoException(Errno.EINVAL);
            }
            parts[part - 1] = new byte[length];
            b.get(parts[part - 1]);
        }
        if (b.hasRemaining()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        synchronized (function) {
            try {
                model.load(parts[0], parts[1]);
            } catch (IllegalArgumentException e) {
                throw new ErrnoException(Errno.EINVAL, e.getMessage());
            }
        }
    }

    // ---- DMA logging ---------------------------------------------------------------------------

    /** log_start: EINVAL while already logging; the page size is 4 KiB whatever was hinted. */
    @Override
    public synchronized long logStart(VfioDevice device, List<Range> ranges, long pageSize) {
        if (logRanges != null) {
            throw new ErrnoException(Errno.EINVAL);
        }
        logRanges = ranges;
        dirtyPages.clear();
        function.logDmaWrites(this::written);
        return LOG_PAGE;
    }

    private void written(long iova, long length) {
        List<Range> ranges = logRanges;
        if (ranges == null || length == 0) {
            return;
        }
        for (Range r : ranges) {
            long first = Math.max(iova, r.iova());
            long last = Math.min(iova + length - 1, r.iova() + r.length() - 1);
            for (long page = first & -LOG_PAGE;
                    Long.compareUnsigned(page, last) <= 0 && first <= last;
                    page += LOG_PAGE) {
                dirtyPages.add(page);
            }
        }
    }

    /** log_stop: nothing to do when not logging. */
    @Override
    public synchronized void logStop(VfioDevice device) {
        if (logRanges != null) {
            function.logDmaWrites(null);
            logRanges = null;
            dirtyPages.clear();
        }
    }

    /** log_read_and_clear: EINVAL when not logging. */
    @Override
    public synchronized void logReadAndClear(VfioDevice device, long iova, long length, IovaBitmap dirty) {
        if (logRanges == null) {
            throw new ErrnoException(Errno.EINVAL);
        }
        NavigableSet<Long> inRange = dirtyPages.subSet(iova & -LOG_PAGE, true, iova + length - 1, true);
        for (long page : inRange) {
            dirty.set(page, LOG_PAGE);
        }
        inRange.clear();
    }
}
