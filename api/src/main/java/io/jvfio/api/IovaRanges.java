package io.jvfio.api;

import java.util.List;

/**
 * The usable IOVA space of an IOAS (IOMMU_IOAS_IOVA_RANGES): the holes of its reserved set in
 * ascending order, and the alignment every mapping's IOVA and length must have.
 */
public record IovaRanges(List<IovaRange> ranges, long alignment) {
    public IovaRanges {
        ranges = List.copyOf(ranges);
    }

    /** Whether the whole of {@code [iova, iova + length)} is usable. */
    public boolean covers(long iova, long length) {
        IovaRange wanted = IovaRange.ofLength(iova, length);
        return ranges.stream().anyMatch(r -> r.contains(wanted.start()) && r.contains(wanted.last()));
    }
}
