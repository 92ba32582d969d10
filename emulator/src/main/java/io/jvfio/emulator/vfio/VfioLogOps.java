package io.jvfio.emulator.vfio;

import io.jvfio.abi.ErrnoException;
import java.util.List;

/**
 * Device DMA logging ({@code struct vfio_log_ops}), set on the device with {@link
 * VfioDevice#setLogOps} before it is registered. The core validates the
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_* requests and keeps no logging state of its own, so a driver
 * must refuse a second start without a stop and cope with stop and read from any state. Fail by
 * throwing {@link ErrnoException}.
 */
public interface VfioLogOps {
    /** One IOVA range to log: [iova, iova + length), page aligned, not overlapping the others. */
    record Range(long iova, long length) {}

    /**
     * {@code log_start}: log device writes inside {@code ranges} (sorted by IOVA) at about {@code
     * pageSize} granularity; returns the page size chosen.
     */
    long logStart(VfioDevice device, List<Range> ranges, long pageSize);

    /** {@code log_stop}. */
    void logStop(VfioDevice device);

    /** {@code log_read_and_clear}: report the pages written in [iova, iova + length) and forget them. */
    void logReadAndClear(VfioDevice device, long iova, long length, IovaBitmap dirty);
}
