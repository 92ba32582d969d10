package io.jvfio.devices.nvme;

import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.DmaPort;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A command's data buffer described by PRP1/PRP2: PRP1 may start mid-page; PRP2 is the second page,
 * or, when more than two pages are needed, a PRP list whose last entry chains to the next list page.
 */
final class Prp {
    private static final ValueLayout.OfLong ENTRY = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One physically contiguous piece of the buffer, by IOVA. */
    record Segment(long iova, long length) {}

    private Prp() {}

    static List<Segment> map(DmaPort dma, long prp1, long prp2, long length, int pageSize) throws NvmeStatus.Failure {
        long pageMask = pageSize - 1L;
        List<Segment> segments = new ArrayList<>();
        long first = Math.min(length, pageSize - (prp1 & pageMask));
        segments.add(new Segment(prp1, first));
        long remaining = length - first;
        if (remaining == 0) {
            return segments;
        }
        if (remaining <= pageSize) {
            requirePageAligned(prp2, pageMask);
            segments.add(new Segment(prp2, remaining));
            return segments;
        }
        long list = prp2;
        while (remaining > 0) {
            int slots = (int) ((pageSize - (list & pageMask)) / Long.BYTES);
            long pagesLeft = (remaining + pageMask) / pageSize;
            boolean chained = pagesLeft > slots;
            int entries = (int) (chained ? slots : pagesLeft);
            MemorySegment page = readList(dma, list, entries);
            int dataEntries = chained ? entries - 1 : entries;
            for (int i = 0; i < dataEntries; i++) {
                long entry = page.getAtIndex(ENTRY, i);
                requirePageAligned(entry, pageMask);
                long len = Math.min(remaining, pageSize);
                segments.add(new Segment(entry, len));
                remaining -= len;
            }
            if (chained) {
                list = page.getAtIndex(ENTRY, entries - 1L);
                requirePageAligned(list, pageMask);
            }
        }
        return segments;
    }

    /** Moves {@code buffer} to or from the segments; a DMA fault ends the command with a data transfer error. */
    static void transfer(DmaPort dma, List<Segment> segments, MemorySegment buffer, boolean toHost)
            throws NvmeStatus.Failure {
        long at = 0;
        try {
            for (Segment s : segments) {
                MemorySegment part = buffer.asSlice(at, s.length());
                if (toHost) {
                    dma.write(s.iova(), part);
                } else {
                    dma.read(s.iova(), part);
                }
                at += s.length();
            }
        } catch (DmaFaultException e) {
            throw new NvmeStatus.Failure(NvmeStatus.DATA_TRANSFER_ERROR);
        }
    }

    private static MemorySegment readList(DmaPort dma, long list, int entries) throws NvmeStatus.Failure {
        MemorySegment page = Arena.ofAuto().allocate((long) entries * Long.BYTES);
        try {
            dma.read(list, page);
        } catch (DmaFaultException e) {
            throw new NvmeStatus.Failure(NvmeStatus.DATA_TRANSFER_ERROR);
        }
        return page;
    }

    private static void requirePageAligned(long address, long pageMask) throws NvmeStatus.Failure {
        if ((address & pageMask) != 0) {
            throw new NvmeStatus.Failure(NvmeStatus.INVALID_PRP_OFFSET | NvmeStatus.DNR);
        }
    }
}
