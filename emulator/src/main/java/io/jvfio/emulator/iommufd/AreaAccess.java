package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.IoPagetable.IOMMU_READ;
import static io.jvfio.emulator.iommufd.IoPagetable.IOMMU_WRITE;
import static io.jvfio.emulator.iommufd.IoPagetable.PAGE_SIZE;
import static io.jvfio.emulator.iommufd.IoPagetable.ule;
import static io.jvfio.emulator.iommufd.IoPagetable.umin;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.iommu.PhysicalMemory;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An access object's way into an IOAS's areas (iommufd_access_pin_pages, iommufd_access_unpin_pages
 * and iommufd_access_rw over pages.c's iopt_area_add_access and iopt_pages_rw_access): walks the
 * areas contiguously covering a range, under the io_pagetable's IOVA lock for reading, with the
 * checks and errno order of 7.2.
 */
final class AreaAccess {
    private AreaAccess() {}

    /**
     * iommufd_access_pin_pages' walk: pins [iova, iova+length) (length non-zero, no wrap: the
     * caller checked) on behalf of an access. Area by area in IOVA order: EINVAL for an area being
     * unmapped or a range not page aligned in its pages, EPERM without the permission (IOMMU_WRITE
     * for a write pin, else IOMMU_READ), then the page set's own checks (EPERM for a write pin of
     * read-only pages, EINVAL for a dma-buf) and the pin itself; ENOENT only after the areas that
     * do cover the start, when they stop short. Returns the host address of each page. With {@code
     * lockAreas} (HW queues) the covering areas also refuse UNMAP (EBUSY) until unpinned.
     */
    static long[] pinPages(IoPagetable iopt, long iova, long length, boolean write, boolean lockAreas) {
        long last = iova + length - 1;
        iopt.iovaLock.readLock().lock();
        try {
            List<Area> pinned = new ArrayList<>();
            long[] hosts = new long[(int) (((last | (PAGE_SIZE - 1)) - (iova & -PAGE_SIZE) + 1) / PAGE_SIZE)];
            int n = 0;
            long cur = iova;
            try {
                for (ContigIter it = new ContigIter(iopt, iova, last); it.area != null; it.next()) {
                    Area area = it.area;
                    cur = it.cur;
                    long end = umin(last, area.last);
                    if (area.preventAccess
                            || area.startByte(cur) % PAGE_SIZE != 0
                            || (!it.done() && area.startByte(area.last) % PAGE_SIZE != PAGE_SIZE - 1)) {
                        throw new ErrnoException(Errno.EINVAL);
                    }
                    checkAccess(area, write);
                    long firstPage = area.startByte(cur) / PAGE_SIZE;
                    long lastPage = area.startByte(end) / PAGE_SIZE;
                    area.pages.pin(firstPage, lastPage);
                    pinned.add(area);
                    synchronized (area.pages) {
                        area.numAccesses++;
                        area.numLocks += lockAreas ? 1 : 0;
                    }
                    for (long p = firstPage; p <= lastPage && n < hosts.length; p++) {
                        hosts[n++] = area.pages.hostAddress(p * PAGE_SIZE);
                    }
                    if (it.done()) {
                        return hosts;
                    }
                    cur = end + 1;
                }
                throw new ErrnoException(Errno.ENOENT);
            } catch (RuntimeException e) {
                if (!pinned.isEmpty()) {
                    unpinAreas(pinned, iova, cur - 1, lockAreas);
                }
                throw e;
            }
        } finally {
            iopt.iovaLock.readLock().unlock();
        }
    }

    /** iopt_unpin_pages: releases a pin taken by {@link #pinPages} with the same range and locking. */
    static void unpinPages(IoPagetable iopt, long iova, long length, boolean lockAreas) {
        long last = iova + length - 1;
        iopt.iovaLock.readLock().lock();
        try {
            unpinAreas(iopt.contiguous(iova, last), iova, last, lockAreas);
        } finally {
            iopt.iovaLock.readLock().unlock();
        }
    }

    private static void unpinAreas(List<Area> covering, long iova, long last, boolean lockAreas) {
        long cur = iova;
        for (Area area : covering) {
            long end = umin(last, area.last);
            area.pages.unpin(area.startByte(cur) / PAGE_SIZE, area.startByte(end) / PAGE_SIZE);
            synchronized (area.pages) {
                area.numAccesses--;
                area.numLocks -= lockAreas ? 1 : 0;
            }
            cur = end + 1;
        }
    }

    /**
     * iommufd_access_rw's walk: copies between {@code data} and the memory behind [iova,
     * iova+data.byteSize()), area by area in IOVA order: EINVAL for an area being unmapped, EPERM
     * without the permission (the area's, then for a write the page set's), EINVAL for a dma-buf,
     * then the copy (EFAULT if the user memory went away; a file's pages are checked as a pin
     * checks them); ENOENT once the areas stop short, after the copies to the ones before.
     */
    static void rw(IoPagetable iopt, long iova, MemorySegment data, boolean write) {
        long length = data.byteSize();
        long last = iova + length - 1;
        iopt.iovaLock.readLock().lock();
        try {
            for (ContigIter it = new ContigIter(iopt, iova, last); it.area != null; it.next()) {
                Area area = it.area;
                long cur = it.cur;
                if (area.preventAccess) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                checkAccess(area, write);
                long end = umin(last, area.last);
                long bytes = end - cur + 1;
                MemorySegment part = data.asSlice(cur - iova, bytes);
                if (!area.pages.isFile()) {
                    // user memory through the process that mapped it, pinned or not
                    area.pages.rwUser(area.startByte(cur), part, write);
                } else {
                    long host = area.pages.accessAddress(area.startByte(cur), bytes);
                    if (write) {
                        PhysicalMemory.write(part, 0, host, bytes);
                    } else {
                        PhysicalMemory.read(host, part, 0, bytes);
                    }
                }
                if (it.done()) {
                    return;
                }
            }
            throw new ErrnoException(Errno.ENOENT);
        } finally {
            iopt.iovaLock.readLock().unlock();
        }
    }

    /**
     * What an access may do in an area once it is not being unmapped: EPERM without the area's
     * permission (IOMMU_WRITE for a write, else IOMMU_READ) or, for a write, the page set's; EINVAL
     * for a dma-buf, whose memory has no pages an access could reach.
     */
    private static void checkAccess(Area area, boolean write) {
        if ((area.prot & (write ? IOMMU_WRITE : IOMMU_READ)) == 0) {
            throw new ErrnoException(Errno.EPERM);
        }
        if (write && !area.pages.writable) {
            throw new ErrnoException(Errno.EPERM);
        }
        if (area.pages.isDmabuf()) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    /**
     * iopt_area_contig_init/next: the fully created areas covering [iova, last] from its start
     * without a gap; {@link #area} is null once they stop (done or short), {@link #cur} the first
     * IOVA of the current area's part.
     */
    private static final class ContigIter {
        private final IoPagetable iopt;
        private final long last;
        Area area;
        long cur;

        ContigIter(IoPagetable iopt, long iova, long last) {
            this.iopt = iopt;
            this.last = last;
            this.cur = iova;
            Area a = iopt.areaFirst(iova, iova);
            this.area = a != null && a.pages != null ? a : null;
        }

        /** Whether the current area reaches {@code last} (iopt_area_contig_done). */
        boolean done() {
            return area != null && ule(last, area.last);
        }

        void next() {
            if (area == null || ule(last, area.last)) {
                area = null;
                return;
            }
            cur = area.last + 1;
            Area a = iopt.areaNext(area, last);
            area = a != null && a.iova == cur && a.pages != null ? a : null;
        }
    }
}
