package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.FaultInjection;
import io.jvfio.emulator.iommu.DirtyBitmap;
import io.jvfio.emulator.iommu.IommuDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;

/**
 * The IOVA space of one IOAS ({@code struct io_pagetable}): the areas, the reserved and allowed
 * ranges, the attached domains and accesses, and the derived IOVA alignment. Along the kernel's
 * file lines, {@link IovaAllocator} keeps the reserved and allowed ranges and allocates IOVAs,
 * {@link AreaFill} fills and unfills areas in the domains (pages.c's iopt_area_fill_domain*), and
 * {@link AreaAccess} serves access objects' pin, unpin and rw (iopt_area_add_access and friends).
 *
 * <p>Locking follows the kernel: {@link #domainsLock} (domains and accesses; read while
 * filling/unfilling areas) is taken before {@link #iovaLock} (the trees). Areas are inserted with
 * null pages under the IOVA lock, which reserves their range, then filled into the domains without
 * it, so threads map, unmap and copy in parallel; each page set has its own monitor.
 *
 * <p>IOVAs are unsigned 64-bit values; every comparison is unsigned.
 */
final class IoPagetable {
    static final long PAGE_SIZE = Pages.PAGE_SIZE;
    static final long ULONG_MAX = -1L;
    /** HPAGE_SIZE with transparent huge pages: the largest alignment automatic IOVAs get. */
    static final long HPAGE_SIZE = 2L << 20;

    static final int IOMMU_READ = 1;
    static final int IOMMU_WRITE = 2;

    final ReentrantReadWriteLock domainsLock = new ReentrantReadWriteLock();
    final ReentrantReadWriteLock iovaLock = new SpinningRwLock();

    private final FaultInjection faults;
    private final TreeMap<Long, Area> areas = new TreeMap<>(Long::compareUnsigned);
    private final IovaAllocator iovas = new IovaAllocator();
    private final List<IoptDomain> domains = new ArrayList<>();
    private final AreaFill fill;
    private final List<IoptAccess> accesses = new ArrayList<>();
    private long iovaAlignment = 1;
    private boolean disableLargePages;

    /** One source slice to map: a page set, the offset of its first byte, and a length. */
    static final class Slice {
        Pages pages;
        final long startByte;
        final long length;
        Area area;

        Slice(Pages pages, long startByte, long length) {
            this.pages = pages;
            this.startByte = startByte;
            this.length = length;
        }
    }

    IoPagetable(FaultInjection faults) {
        this.faults = faults;
        this.fill = new AreaFill(domains, () -> disableLargePages);
    }

    static boolean ult(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    static boolean ule(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0;
    }

    static long umax(long a, long b) {
        return ult(a, b) ? b : a;
    }

    static long umin(long a, long b) {
        return ult(a, b) ? a : b;
    }

    // ---- lookups (IOVA lock held) -------------------------------------------------------------

    /** The lowest area intersecting [start, last], or null. */
    Area areaFirst(long start, long last) {
        Map.Entry<Long, Area> e = areas.floorEntry(start);
        if (e != null && ule(start, e.getValue().last)) {
            return e.getValue();
        }
        e = areas.higherEntry(start);
        return e != null && ule(e.getKey(), last) ? e.getValue() : null;
    }

    /** The area after {@code a} if it starts at or before {@code last}. */
    Area areaNext(Area a, long last) {
        Map.Entry<Long, Area> e = areas.higherEntry(a.iova);
        return e != null && ule(e.getKey(), last) ? e.getValue() : null;
    }

    long iovaAlignment() {
        iovaLock.readLock().lock();
        try {
            return iovaAlignment;
        } finally {
            iovaLock.readLock().unlock();
        }
    }

    boolean largePagesDisabled() {
        iovaLock.readLock().lock();
        try {
            return disableLargePages;
        } finally {
            iovaLock.readLock().unlock();
        }
    }

    /** Snapshot of the areas (for tests and teardown checks). */
    List<Area> areasSnapshot() {
        iovaLock.readLock().lock();
        try {
            return new ArrayList<>(areas.values());
        } finally {
            iovaLock.readLock().unlock();
        }
    }

    /** The IOVA of the {@code nth} area in IOVA order (0-based), or -1 if there are not that many. */
    long nthAreaIova(long nth) {
        iovaLock.readLock().lock();
        try {
            for (Area a : areas.values()) {
                if (nth-- == 0) {
                    return a.iova;
                }
            }
            return -1;
        } finally {
            iovaLock.readLock().unlock();
        }
    }

    int areaCount() {
        iovaLock.readLock().lock();
        try {
            return areas.size();
        } finally {
            iovaLock.readLock().unlock();
        }
    }

    /**
     * The holes of the reserved set in [0, ULONG_MAX], ascending, as (start, last) pairs
     * (IOVA_RANGES and the VFIO IOVA_RANGE capability); caller holds the IOVA lock.
     */
    void forEachUsableRange(BiConsumer<Long, Long> sink) {
        iovas.forEachUsableRange(sink);
    }

    /** The fully created areas covering [iova, last] without gaps; ENOENT otherwise. */
    List<Area> contiguous(long iova, long last) {
        List<Area> out = new ArrayList<>();
        long cur = iova;
        Area area = areaFirst(iova, iova);
        while (area != null && area.pages != null && ule(area.iova, cur)) {
            out.add(area);
            if (ule(last, area.last)) {
                return out;
            }
            cur = area.last + 1;
            area = areaNext(area, last);
            if (area != null && area.iova != cur) {
                break;
            }
        }
        throw new ErrnoException(Errno.ENOENT);
    }

    // ---- IOVA allocation and checks -----------------------------------------------------------

    /** iopt_check_iova: alignment (EINVAL), wrap (EOVERFLOW), reserved (EINVAL), existing area (EEXIST). */
    private void checkIova(long iova, long length) {
        if ((iova & (iovaAlignment - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long last = iova + length - 1;
        if (ult(last, iova)) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        if (iovas.reservedIntersects(iova, last)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (areaFirst(iova, last) != null) {
            throw new ErrnoException(Errno.EEXIST);
        }
    }

    /** iopt_insert_area: links a not-yet-filled area (null pages) into the tree. */
    private void insertArea(Area area, Pages pages, long iova, long startByte, long length, int prot) {
        if ((prot & IOMMU_WRITE) != 0 && !pages.writable) {
            throw new ErrnoException(Errno.EPERM);
        }
        area.prot = prot;
        area.startByte = startByte;
        if ((area.pageOffset() & (iovaAlignment - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        area.iova = iova;
        area.last = iova + length - 1;
        if (ult(area.last, iova) || ult(startByte + length - 1, startByte)) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        areas.put(iova, area);
    }

    private void removeArea(Area area) {
        areas.remove(area.iova, area);
    }

    // ---- map / copy ---------------------------------------------------------------------------

    /**
     * iopt_map_pages: creates one area per slice, contiguous in IOVA from {@code iova} (or an
     * allocated IOVA), fills them into every domain, and returns the IOVA. On success the slices'
     * page references move into the areas; on failure nothing is left (the caller still owns its
     * references).
     */
    long mapPages(List<Slice> slices, long length, long iova, int prot, boolean allocate) {
        try {
            iova = allocAreas(slices, length, iova, prot, allocate);
            domainsLock.readLock().lock();
            try {
                fill.fillAreas(slices);
                iovaLock.writeLock().lock();
                try {
                    for (Slice s : slices) {
                        s.area.pages = s.pages;
                        s.pages = null;
                        s.area = null;
                    }
                } finally {
                    iovaLock.writeLock().unlock();
                }
            } finally {
                domainsLock.readLock().unlock();
            }
            return iova;
        } catch (RuntimeException e) {
            abortAreas(slices);
            throw e;
        }
    }

    private long allocAreas(List<Slice> slices, long length, long dstIova, int prot, boolean allocate) {
        for (Slice s : slices) {
            faults.point("iopt_area_alloc");
            s.area = new Area();
        }
        iovaLock.writeLock().lock();
        try {
            if ((length & (iovaAlignment - 1)) != 0 || length == 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (allocate) {
                Slice first = slices.getFirst();
                dstIova = iovas.alloc(first.pages.sourceAddress(first.startByte), length, iovaAlignment, this);
            } else {
                checkIova(dstIova, length);
            }
            long iova = dstIova;
            for (Slice s : slices) {
                insertArea(s.area, s.pages, iova, s.startByte, s.length, prot);
                iova += s.length;
            }
            return dstIova;
        } finally {
            iovaLock.writeLock().unlock();
        }
    }

    private void abortAreas(List<Slice> slices) {
        iovaLock.writeLock().lock();
        try {
            for (Slice s : slices) {
                if (s.area != null) {
                    removeArea(s.area);
                    s.area = null;
                }
            }
        } finally {
            iovaLock.writeLock().unlock();
        }
    }

    /**
     * iopt_get_pages: the slices covering [iova, iova+length) for COPY, each holding a page-set
     * reference; ENOENT unless contiguous, fully created areas cover the whole range.
     */
    List<Slice> getPages(long iova, long length) {
        if (length == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long last = iova + length - 1;
        if (ult(last, iova)) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        List<Slice> out = new ArrayList<>();
        iovaLock.readLock().lock();
        try {
            long cur = iova;
            for (Area area : contiguous(iova, last)) {
                faults.point("iopt_pages_list");
                long end = umin(last, area.last);
                area.pages.get();
                out.add(new Slice(area.pages, area.startByte(cur), end - cur + 1));
                cur = end + 1;
            }
            return out;
        } catch (RuntimeException e) {
            putSlices(out);
            throw e;
        } finally {
            iovaLock.readLock().unlock();
        }
    }

    static void putSlices(List<Slice> slices) {
        for (Slice s : slices) {
            if (s.pages != null) {
                s.pages.put();
                s.pages = null;
            }
        }
    }

    // ---- unmap --------------------------------------------------------------------------------

    /**
     * iopt_unmap_iova_range: removes every area inside [start, last], in ascending order. Any
     * intersecting area not fully inside is ENOENT, one being created or locked is EBUSY; areas
     * removed before the failure stay removed. {@code unmapped[0]} gets the bytes removed, also on
     * failure.
     */
    void unmapRange(long start, long last, long[] unmapped) {
        long bytes = 0;
        int tries = 0;
        try {
            while (true) {
                Area notify = null;
                domainsLock.readLock().lock();
                iovaLock.writeLock().lock();
                try {
                    Area area;
                    while ((area = areaFirst(start, last)) != null) {
                        long areaFirst = area.iova;
                        long areaLast = area.last;
                        if (area.pages == null || area.numLocks > 0) {
                            throw new ErrnoException(Errno.EBUSY);
                        }
                        if (ult(areaFirst, start) || ult(last, areaLast)) {
                            throw new ErrnoException(Errno.ENOENT);
                        }
                        if (areaFirst != start) {
                            tries = 0;
                        }
                        if (area.numAccesses > 0) {
                            start = areaFirst;
                            area.preventAccess = true;
                            notify = area;
                            break;
                        }
                        Pages pages = area.pages;
                        area.pages = null;
                        iovaLock.writeLock().unlock();
                        try {
                            fill.unfillArea(area, pages);
                        } finally {
                            iovaLock.writeLock().lock();
                        }
                        removeArea(area);
                        pages.put();
                        bytes += areaLast - areaFirst + 1;
                        if (ule(last, areaLast)) {
                            break;
                        }
                        start = areaLast + 1;
                    }
                } finally {
                    iovaLock.writeLock().unlock();
                    domainsLock.readLock().unlock();
                }
                if (notify == null) {
                    return;
                }
                notifyAccesses(notify.iova, notify.length());
                if (++tries > 100) {
                    throw new ErrnoException(Errno.EDEADLK);
                }
            }
        } finally {
            unmapped[0] = bytes;
        }
    }

    private void notifyAccesses(long iova, long length) {
        List<IoptAccess> snapshot;
        domainsLock.readLock().lock();
        try {
            snapshot = new ArrayList<>(accesses);
        } finally {
            domainsLock.readLock().unlock();
        }
        for (IoptAccess a : snapshot) {
            a.notifyUnmap(iova, length);
        }
    }

    /** iopt_unmap_iova: EINVAL for length 0, EOVERFLOW when the range wraps. */
    long unmapIova(long iova, long length, long[] unmapped) {
        if (length == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long last = iova + length - 1;
        if (ult(last, iova)) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        unmapRange(iova, last, unmapped);
        return unmapped[0];
    }

    /** iopt_unmap_all: succeeds on an empty IOAS. */
    long unmapAll() {
        long[] unmapped = new long[1];
        unmapRange(0, ULONG_MAX, unmapped);
        return unmapped[0];
    }

    /**
     * iopt_cut_iova (VFIO type1 emulation): splits the areas containing each IOVA so that one ends
     * there; only possible with large pages disabled or no domains.
     */
    void cutIova(long[] iovas) {
        iovaLock.writeLock().lock();
        try {
            for (long iova : iovas) {
                Area area = areaFirst(iova, iova);
                if (area != null) {
                    splitArea(area, iova);
                }
            }
        } finally {
            iovaLock.writeLock().unlock();
        }
    }

    private void splitArea(Area area, long iova) {
        long start = area.iova;
        long last = area.last;
        long newStart = iova + 1;
        if (iova == start || iova == last) {
            return;
        }
        Pages pages = area.pages;
        if (pages == null || area.preventAccess) {
            throw new ErrnoException(Errno.EBUSY);
        }
        // The per-domain tracking of a dma-buf area is not split.
        if (pages.isDmabuf()) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        if ((newStart & (iovaAlignment - 1)) != 0 || (area.startByte(newStart) & (iovaAlignment - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        faults.point("iopt_area_alloc");
        Area lhs = new Area();
        faults.point("iopt_area_alloc");
        Area rhs = new Area();
        synchronized (pages) {
            // Access pins are tracked per area, and a huge-page domain mapping cannot be cut.
            if (area.numAccesses > 0 || (area.storageDomain != null && !disableLargePages)) {
                throw new ErrnoException(Errno.EINVAL);
            }
            removeArea(area);
            insertArea(lhs, pages, start, area.startByte(start), newStart - start, area.prot);
            insertArea(rhs, pages, newStart, area.startByte(newStart), last - newStart + 1, area.prot);
            lhs.storageDomain = area.storageDomain;
            rhs.storageDomain = area.storageDomain;
            lhs.pages = pages;
            rhs.pages = pages;
            pages.get();
            if (area.storageDomain != null) {
                // The single pin of the old area becomes one pin per half.
                pages.pin(lhs.firstPage(), lhs.lastPage());
                pages.pin(rhs.firstPage(), rhs.lastPage());
                pages.unpin(area.firstPage(), area.lastPage());
            }
        }
    }

    // ---- allowed and reserved ranges ----------------------------------------------------------

    /**
     * iopt_set_allow_iova: replaces the allowed list (validated by the caller) atomically;
     * EADDRINUSE, keeping the old list, if a new range intersects a reservation.
     */
    void setAllowed(TreeMap<Long, Long> ranges) {
        iovaLock.writeLock().lock();
        try {
            iovas.setAllowed(ranges);
        } finally {
            iovaLock.writeLock().unlock();
        }
    }

    /** iopt_reserve_iova (IOVA lock held for writing): EADDRINUSE over an area or allowed range. */
    private void reserve(long start, long last, Object owner) {
        if (areaFirst(start, last) != null || iovas.allowedIntersects(start, last)) {
            throw new ErrnoException(Errno.EADDRINUSE);
        }
        faults.point("iopt_reserve_iova");
        iovas.addReserved(start, last, owner);
    }

    /** Reserves [start, last] for {@code owner} (a device's reserved regions, the selftest). */
    void reserveIova(long start, long last, Object owner) {
        iovaLock.writeLock().lock();
        try {
            reserve(start, last, owner);
        } finally {
            iovaLock.writeLock().unlock();
        }
    }

    /** Drops every reservation of {@code owner}. */
    void removeReserved(Object owner) {
        iovaLock.writeLock().lock();
        try {
            iovas.removeReserved(owner);
        } finally {
            iovaLock.writeLock().unlock();
        }
    }

    // ---- alignment and large pages ------------------------------------------------------------

    private void checkAlignment(long newAlignment) {
        long mask = newAlignment - 1;
        for (Area a : areas.values()) {
            if ((a.iova & mask) != 0 || (a.length() & mask) != 0 || (a.pageOffset() & mask) != 0) {
                throw new ErrnoException(Errno.EADDRINUSE);
            }
        }
    }

    /** iopt_calculate_iova_alignment (both locks held for writing). */
    private void calculateAlignment() {
        long align = disableLargePages ? PAGE_SIZE : 1;
        for (IoptDomain d : domains) {
            align = umax(align, Long.lowestOneBit(d.pgsizeBitmap()));
        }
        for (IoptAccess a : accesses) {
            align = umax(align, a.iovaAlignment());
        }
        if (ult(iovaAlignment, align)) {
            checkAlignment(align);
        }
        iovaAlignment = align;
    }

    /** IOMMU_OPTION_HUGE_PAGES = 0: EINVAL with domains and areas, EADDRINUSE if an area is not page aligned. */
    void disableLargePages() {
        domainsLock.writeLock().lock();
        iovaLock.writeLock().lock();
        try {
            if (disableLargePages) {
                return;
            }
            if (!domains.isEmpty() && !areas.isEmpty()) {
                throw new ErrnoException(Errno.EINVAL);
            }
            disableLargePages = true;
            try {
                calculateAlignment();
            } catch (ErrnoException e) {
                disableLargePages = false;
                throw e;
            }
        } finally {
            iovaLock.writeLock().unlock();
            domainsLock.writeLock().unlock();
        }
    }

    void enableLargePages() {
        domainsLock.writeLock().lock();
        iovaLock.writeLock().lock();
        try {
            disableLargePages = false;
            calculateAlignment();
        } finally {
            iovaLock.writeLock().unlock();
            domainsLock.writeLock().unlock();
        }
    }

    // ---- domains and accesses (the hooks HWPTs and access objects use) ------------------------

    /**
     * iopt_table_add_domain: checks alignment (EINVAL above PAGE_SIZE, EADDRINUSE against existing
     * areas), reserves everything outside the aperture (EADDRINUSE), and fills the domain with every
     * area. Pages are pinned only for areas no other domain holds; on failure nothing changes.
     */
    void addDomain(IoptDomain domain) {
        domainsLock.writeLock().lock();
        iovaLock.writeLock().lock();
        try {
            if (domains.contains(domain)) {
                throw new ErrnoException(Errno.EEXIST);
            }
            long newAlignment = umax(Long.lowestOneBit(domain.pgsizeBitmap()), iovaAlignment);
            if (ult(PAGE_SIZE, newAlignment)) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (newAlignment != iovaAlignment) {
                checkAlignment(newAlignment);
            }
            try {
                if (domain.apertureStart() != 0) {
                    reserve(0, domain.apertureStart() - 1, domain);
                }
                if (domain.apertureEnd() != ULONG_MAX) {
                    reserve(domain.apertureEnd() + 1, ULONG_MAX, domain);
                }
                fill.fillDomain(areas.values(), domain);
            } catch (RuntimeException e) {
                iovas.removeReserved(domain);
                throw e;
            }
            iovaAlignment = newAlignment;
            domains.add(domain);
        } finally {
            iovaLock.writeLock().unlock();
            domainsLock.writeLock().unlock();
        }
    }

    /**
     * iopt_table_remove_domain: unmaps every area from the domain; pins stay while another domain
     * remains (it becomes the storage domain), else they are dropped.
     */
    void removeDomain(IoptDomain domain) {
        domainsLock.writeLock().lock();
        iovaLock.writeLock().lock();
        try {
            if (!domains.remove(domain)) {
                return;
            }
            IoptDomain storage = domains.isEmpty() ? null : domains.getFirst();
            for (Area area : areas.values()) {
                Pages pages = area.pages;
                if (pages == null) {
                    continue;
                }
                if (pages.isDmabuf()) {
                    AreaFill.unmapDmabufDomain(area, pages, domain);
                } else {
                    domain.unmap(area.iova, area.length());
                }
                if (storage != null) {
                    if (area.storageDomain == domain) {
                        area.storageDomain = storage;
                    }
                } else if (area.storageDomain != null) {
                    area.storageDomain = null;
                    if (!pages.isDmabuf()) {
                        pages.unpin(area.firstPage(), area.lastPage());
                    }
                }
            }
            iovas.removeReserved(domain);
            calculateAlignment();
        } finally {
            iovaLock.writeLock().unlock();
            domainsLock.writeLock().unlock();
        }
    }

    boolean hasDomains() {
        domainsLock.readLock().lock();
        try {
            return !domains.isEmpty();
        } finally {
            domainsLock.readLock().unlock();
        }
    }

    /** AND of the domains' page-size bitmaps (all ones without domains). */
    long pgsizeBitmap() {
        domainsLock.readLock().lock();
        try {
            long bitmap = ULONG_MAX;
            for (IoptDomain d : domains) {
                bitmap &= d.pgsizeBitmap();
            }
            return bitmap;
        } finally {
            domainsLock.readLock().unlock();
        }
    }

    /** iopt_add_access: the access' alignment joins the IOAS alignment (EADDRINUSE if areas don't conform). */
    void addAccess(IoptAccess access) {
        domainsLock.writeLock().lock();
        iovaLock.writeLock().lock();
        try {
            accesses.add(access);
            try {
                calculateAlignment();
            } catch (ErrnoException e) {
                accesses.remove(access);
                throw e;
            }
        } finally {
            iovaLock.writeLock().unlock();
            domainsLock.writeLock().unlock();
        }
    }

    void removeAccess(IoptAccess access) {
        domainsLock.writeLock().lock();
        iovaLock.writeLock().lock();
        try {
            accesses.remove(access);
            calculateAlignment();
        } finally {
            iovaLock.writeLock().unlock();
            domainsLock.writeLock().unlock();
        }
    }

    /**
     * iopt_set_dirty_tracking: with the IOVA lock held for reading, enabling first clears the dirty
     * state of every mapped area (a clean snapshot), then toggles the domain's tracking.
     */
    void setDirtyTracking(IommuDomain domain, boolean enable) {
        if (!domain.hasDirtyOps()) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        iovaLock.readLock().lock();
        try {
            if (enable) {
                for (Area area : areas.values()) {
                    if (area.pages != null) {
                        domain.readAndClearDirty(area.iova, area.length(), false, DirtyBitmap.NONE);
                    }
                }
            }
            domain.setDirtyTracking(enable);
        } finally {
            iovaLock.readLock().unlock();
        }
    }

    /**
     * __iommu_read_and_clear_dirty: reports the dirty IOVA of the areas contiguously covering
     * [iova, last] from its start, stopping silently at a gap (the kernel drops that error).
     */
    void readAndClearDirty(IommuDomain domain, long iova, long last, boolean noClear, DirtyBitmap dirty) {
        iovaLock.readLock().lock();
        try {
            long cur = iova;
            for (Area area = areaFirst(iova, last);
                    area != null && area.pages != null && ule(area.iova, cur);
                    area = areaNext(area, last)) {
                long end = umin(last, area.last);
                domain.readAndClearDirty(cur, end - cur + 1, noClear, dirty);
                if (end == last) {
                    return;
                }
                cur = end + 1;
            }
        } finally {
            iovaLock.readLock().unlock();
        }
    }
}
