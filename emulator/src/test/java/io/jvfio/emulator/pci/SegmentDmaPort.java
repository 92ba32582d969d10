package io.jvfio.emulator.pci;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A DMA port for tests: IOVA ranges mapped explicitly onto memory segments, with read/write
 * permissions, and a log of every fault. No IOMMU page tables, no pinning; the real port is the
 * emulated IOMMU's.
 */
public final class SegmentDmaPort implements DmaPort {
    private record Mapping(long iova, MemorySegment memory, boolean readable, boolean writable) {
        long end() {
            return iova + memory.byteSize();
        }
    }

    private final TreeMap<Long, Mapping> mappings = new TreeMap<>();
    private final List<DmaFaultException> faults = new ArrayList<>();

    /** Maps {@code memory} at {@code iova}; ranges must not overlap. */
    public synchronized SegmentDmaPort map(long iova, MemorySegment memory, boolean readable, boolean writable) {
        Map.Entry<Long, Mapping> below = mappings.floorEntry(iova + memory.byteSize() - 1);
        if (below != null && below.getValue().end() > iova) {
            throw new IllegalArgumentException("IOVA range overlaps an existing mapping");
        }
        mappings.put(iova, new Mapping(iova, memory, readable, writable));
        return this;
    }

    /** Maps {@code memory} readable and writable. */
    public SegmentDmaPort map(long iova, MemorySegment memory) {
        return map(iova, memory, true, true);
    }

    public synchronized void unmap(long iova) {
        if (mappings.remove(iova) == null) {
            throw new IllegalArgumentException("nothing mapped at IOVA 0x" + Long.toHexString(iova));
        }
    }

    /** Every fault so far, oldest first. */
    public synchronized List<DmaFaultException> faults() {
        return List.copyOf(faults);
    }

    @Override
    public synchronized void read(long iova, MemorySegment dst) throws DmaFaultException {
        MemorySegment.copy(translate(iova, dst.byteSize(), false), 0, dst, 0, dst.byteSize());
    }

    @Override
    public synchronized void write(long iova, MemorySegment src) throws DmaFaultException {
        MemorySegment.copy(src, 0, translate(iova, src.byteSize(), true), 0, src.byteSize());
    }

    /** The memory behind [iova, iova+length), which must lie inside one mapping. */
    private MemorySegment translate(long iova, long length, boolean write) throws DmaFaultException {
        Map.Entry<Long, Mapping> e = mappings.floorEntry(iova);
        Mapping m = e == null ? null : e.getValue();
        String problem;
        if (m == null || iova >= m.end()) {
            problem = "no mapping";
        } else if (length > m.end() - iova) {
            problem = "transfer runs past the end of its mapping";
        } else if (write ? !m.writable() : !m.readable()) {
            problem = write ? "mapping is not writable" : "mapping is not readable";
        } else {
            return m.memory().asSlice(iova - m.iova(), length);
        }
        DmaFaultException fault = new DmaFaultException(iova, write, problem);
        faults.add(fault);
        throw fault;
    }
}
