package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Linux;
import io.jvfio.emulator.FaultInjection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mmap offsets of one iommufd ({@code iommufd_ctx.mt_mmap}, driver.c): a driver registers a
 * region of "physical" pages for an object and hands the offset to user space, which maps it with
 * mmap(2) on the iommufd. Here the pages are a memfd's, so every mmap shares them.
 */
final class MmapTable {
    /** {@code struct iommufd_mmap}: the owning object, the offset handed out, the pages and their length. */
    record Immap(IommufdObject owner, long offset, long length, int hostFd) {}

    private final FaultInjection faults;
    private final TreeMap<Long, Immap> regions = new TreeMap<>();

    MmapTable(FaultInjection faults) {
        this.faults = faults;
    }

    /**
     * _iommufd_alloc_mmap: the lowest free range of {@code length} bytes from PAGE_SIZE up (the
     * first page is skipped so that 0 is never an offset).
     */
    synchronized Immap alloc(IommufdObject owner, long length, int hostFd) {
        faults.point("iommufd_alloc_mmap");
        long start = Linux.PAGE_SIZE;
        for (Immap r : regions.values()) {
            if (r.offset() - start >= length) {
                break;
            }
            start = r.offset() + r.length();
        }
        Immap immap = new Immap(owner, start, length, hostFd);
        regions.put(start, immap);
        return immap;
    }

    /** _iommufd_destroy_mmap. */
    synchronized void destroy(Immap immap) {
        regions.remove(immap.offset(), immap);
    }

    /**
     * iommufd_fops_mmap's lookup: the region containing {@code offset} with a new users reference
     * on its owner, or null if there is none or the owner is being destroyed.
     */
    synchronized Immap get(long offset) {
        Map.Entry<Long, Immap> e = regions.floorEntry(offset);
        if (e == null) {
            return null;
        }
        Immap immap = e.getValue();
        if (offset - immap.offset() >= immap.length() || !immap.owner().tryIncUsers()) {
            return null;
        }
        return immap;
    }
}
