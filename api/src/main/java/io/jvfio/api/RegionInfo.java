package io.jvfio.api;

import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.abi.vfio.VfioRegionInfoCapSparseMmap;
import io.jvfio.abi.vfio.VfioRegionInfoCapType;
import io.jvfio.abi.vfio.VfioRegionSparseMmapArea;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * VFIO_DEVICE_GET_REGION_INFO: a region's size, its offset in the device fd, access flags, and its
 * capabilities.
 */
public record RegionInfo(int index, int flags, long size, long offset, List<Capability> capabilities) {
    public RegionInfo {
        capabilities = List.copyOf(capabilities);
    }

    public boolean readable() {
        return (flags & VfioRegionInfo.FLAG_READ) != 0;
    }

    public boolean writable() {
        return (flags & VfioRegionInfo.FLAG_WRITE) != 0;
    }

    public boolean mmappable() {
        return (flags & VfioRegionInfo.FLAG_MMAP) != 0;
    }

    /**
     * The parts that may be mmap-ed: the sparse mmap capability's areas if present (e.g. a BAR
     * minus its MSI-X table), else the whole region when it is mmap-able, else none.
     */
    public List<SparseArea> mmapAreas() {
        if (!mmappable()) {
            return List.of();
        }
        return capability(VfioRegionInfo.CAP_SPARSE_MMAP)
                .map(RegionInfo::sparseAreas)
                .orElse(List.of(new SparseArea(0, size)));
    }

    /** The type capability, present on device-specific regions. */
    public Optional<RegionType> type() {
        return capability(VfioRegionInfo.CAP_TYPE)
                .map(c -> new RegionType(
                        VfioRegionInfoCapType.TYPE.get(c.bytes()), VfioRegionInfoCapType.SUBTYPE.get(c.bytes())));
    }

    private Optional<Capability> capability(int id) {
        return capabilities.stream().filter(c -> c.id() == id).findFirst();
    }

    private static List<SparseArea> sparseAreas(Capability cap) {
        MemorySegment s = cap.bytes();
        long n = VfioRegionInfoCapSparseMmap.NR_AREAS.getUnsigned(s);
        long each = VfioRegionSparseMmapArea.DEF.size();
        if (VfioRegionInfoCapSparseMmap.AREAS.offset() + n * each > s.byteSize()) {
            throw new IllegalStateException("sparse mmap capability claims " + n + " areas but holds fewer");
        }
        List<SparseArea> areas = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            MemorySegment a = VfioRegionInfoCapSparseMmap.AREAS.element(s, i);
            areas.add(new SparseArea(VfioRegionSparseMmapArea.OFFSET.get(a), VfioRegionSparseMmapArea.SIZE.get(a)));
        }
        return List.copyOf(areas);
    }
}
