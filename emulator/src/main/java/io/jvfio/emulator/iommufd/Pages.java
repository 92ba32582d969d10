package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.AddressSpace;
import io.jvfio.emulator.FaultInjection;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.MemFdFile;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.PageRuns;
import io.jvfio.emulator.PhysicalPages;
import io.jvfio.emulator.PinMap;
import io.jvfio.emulator.Task;
import io.jvfio.emulator.dmabuf.DmaBuf;
import io.jvfio.emulator.iommu.PhysicalMemory;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.TreeMap;

/**
 * The memory behind one MAP or MAP_FILE ({@code struct iopt_pages}): a run of whole pages of user
 * memory, of a file or of a dma-buf, shared by every area that maps part of it (COPY, type1
 * splits). User and file pages are pinned lazily and exactly once, however many areas or accesses
 * use them: {@link #pin} and {@link #unpin} keep a per-page user count and pin, check and charge a
 * page only on its first user. dma-buf pages are never pinned or charged (see {@link PagesDmabuf}).
 */
final class Pages {
    static final long PAGE_SIZE = Linux.PAGE_SIZE;
    /** The most pages one pfn batch entry counts (a u32): the kernel's MAX_NPFNS. */
    private static final long MAX_NPFNS = 0xffffffffL;

    /** USER: page-aligned user address of page 0; FILE/DMABUF: page-aligned file or buffer offset of page 0. */
    final long base;

    final long npages;
    final boolean writable;
    /** The file for MAP_FILE, null for user memory; referenced for the page set's lifetime. */
    private final OpenFile file;

    private final FaultInjection faults;
    /** The machine's pin counts, which this page set's pins are part of. */
    private final PhysicalPages physical;
    /**
     * User memory: the backing pages of each pinned run, by the page index it starts at, resolved
     * when pinned (the pins stay on those pages whatever the user maps there later).
     */
    private final PageRuns pinnedRuns = new PageRuns();
    /** The dma-buf part, null for user and file memory. */
    private PagesDmabuf dmabuf;

    private Task source;
    private AccountMode accountMode;
    private long npinned;
    private int refs = 1;
    private PinMap pins;
    private MemorySegment fileMapping;
    /** User memory: physical minus user address of the pinned pages, fixed at the first pin. */
    private long physOffset;
    /** User memory: whether this page set holds pins of its source's space (keeps its window). */
    private boolean pinningSpace;

    private Pages(long base, long npages, boolean writable, OpenFile file, Task source, KernelServices kernel) {
        this.base = base;
        this.npages = npages;
        this.writable = writable;
        this.file = file;
        this.source = source;
        this.faults = kernel.faults();
        this.physical = kernel.physicalPages();
        this.accountMode = source.capIpcLock() ? AccountMode.NONE : AccountMode.USER;
    }

    /** iopt_alloc_pages' checks and the allocation; {@code startByte} is the offset into the first page. */
    private static long npagesFor(long startByte, long length, FaultInjection faults) {
        if (Long.compareUnsigned(length, -1L - PAGE_SIZE) > 0 || length == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        faults.point("iopt_alloc_pages");
        return Long.divideUnsigned(length + startByte + PAGE_SIZE - 1, PAGE_SIZE);
    }

    /** iopt_alloc_user_pages: EOVERFLOW when {@code uptr + length} wraps. */
    static Pages ofUser(KernelServices kernel, Task task, long uptr, long length, boolean writable) {
        if (Long.compareUnsigned(uptr + length, uptr) < 0) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        long startByte = uptr % PAGE_SIZE;
        long npages = npagesFor(startByte, length, kernel.faults());
        return new Pages(uptr - startByte, npages, writable, null, task, kernel);
    }

    /** iopt_alloc_file_pages: takes a reference on {@code file}. */
    static Pages ofFile(KernelServices kernel, Task task, OpenFile file, long start, long length, boolean writable) {
        long startByte = start % PAGE_SIZE;
        long npages = npagesFor(startByte, length, kernel.faults());
        return new Pages(start - startByte, npages, writable, file.get(), task, kernel);
    }

    /**
     * iopt_alloc_dmabuf_pages: EINVAL for a range reaching past the buffer (or more pages than a
     * batch can count), then the attachment (EOPNOTSUPP for an exporter iommufd cannot import,
     * ENODEV while revoked). Never pinned or charged. On success the page set owns the caller's
     * reference to {@code dmabuf}; on failure the caller still does.
     */
    static Pages ofDmabuf(KernelServices kernel, Task task, DmaBuf dmabuf, long start, long length, boolean writable) {
        if (Long.compareUnsigned(dmabuf.size(), start + length - 1) <= 0
                || Long.compareUnsigned(length / PAGE_SIZE, MAX_NPFNS) >= 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long startByte = start % PAGE_SIZE;
        long npages = npagesFor(startByte, length, kernel.faults());
        Pages pages = new Pages(start - startByte, npages, writable, null, task, kernel);
        pages.accountMode = AccountMode.NONE;
        pages.dmabuf = new PagesDmabuf(pages, kernel.faults());
        pages.dmabuf.map(kernel, dmabuf);
        return pages;
    }

    /** IOPT_ADDRESS_FILE: what CHANGE_PROCESS accepts. */
    boolean isFile() {
        return file != null;
    }

    boolean isDmabuf() {
        return dmabuf != null;
    }

    /** The dma-buf part (for {@link #isDmabuf()} page sets); guarded by this page set's monitor. */
    PagesDmabuf dmabuf() {
        return dmabuf;
    }

    /** The source address the IOVA allocator aligns to: user VA or file offset of byte {@code startByte}. */
    long sourceAddress(long startByte) {
        return base + startByte;
    }

    synchronized void setAccountMode(AccountMode mode) {
        accountMode = mode;
    }

    synchronized void get() {
        refs++;
    }

    /** Drops a reference; the last one releases the file (all pins must be gone by then). */
    void put() {
        synchronized (this) {
            if (--refs > 0) {
                return;
            }
            if (pins != null && !pins.isEmpty()) {
                throw new IllegalStateException("page set released with pinned pages");
            }
        }
        if (fileMapping != null) {
            NativeKernel.instance().munmap(fileMapping);
        }
        if (file != null) {
            file.put();
        }
        if (dmabuf != null) {
            dmabuf.release();
        }
    }

    /**
     * Host address of byte {@code offset} of the page set; valid while that page is pinned (for a
     * dma-buf: while not revoked).
     */
    synchronized long hostAddress(long offset) {
        if (dmabuf != null) {
            return dmabuf.hostAddress(base + offset);
        }
        return file == null ? base + offset + physOffset : fileMapping.address() + offset;
    }

    /**
     * iopt_pages_rw_access for user memory: byte {@code offset} on, through the memory of the
     * process that mapped it, pinned or not; once that process is gone, the slow path's way
     * through the pinned pages only (EFAULT at the first page nobody pins).
     */
    void rwUser(long offset, MemorySegment data, boolean write) {
        if (!source.mm().isLive()) {
            rwPinned(offset, data, write);
            return;
        }
        AddressSpace space = source.mm().space();
        if (write) {
            space.copyOut(data, base + offset, data.byteSize());
        } else {
            space.copyIn(base + offset, data, data.byteSize());
        }
    }

    /**
     * iopt_pages_rw_slow without the source's memory: pfn_reader finds each page in the page set's
     * pins, and one not pinned would need a GUP on an address space that is gone.
     */
    private synchronized void rwPinned(long offset, MemorySegment data, boolean write) {
        for (long done = 0; done < data.byteSize(); ) {
            long at = offset + done;
            long chunk = Math.min(data.byteSize() - done, PAGE_SIZE - at % PAGE_SIZE);
            if (pins == null || pins.count(at / PAGE_SIZE) == 0) {
                throw new ErrnoException(Errno.EFAULT, null, "mapping process has exited");
            }
            if (write) {
                PhysicalMemory.write(data, done, hostAddress(at), chunk);
            } else {
                PhysicalMemory.read(hostAddress(at), data, done, chunk);
            }
            done += chunk;
        }
    }

    /**
     * Host address of bytes [offset, offset+length) for an access copy (iopt_pages_rw_access):
     * user memory where it is mapped (a fault is EFAULT when copied); a file's pages checked as a
     * pin checks them (EINVAL beyond the end of the file or for a file that is not shmem).
     */
    synchronized long accessAddress(long offset, long length) {
        if (file != null) {
            backing(offset / PAGE_SIZE, (offset + length - 1) / PAGE_SIZE);
        }
        return hostAddress(offset);
    }

    /**
     * Adds a user of pages [first, last]: pages without a user so far are pinned (EFAULT for
     * unmapped or wrongly protected user memory, EINVAL beyond a file's end or for a file that is
     * not shmem) and charged (ENOMEM over RLIMIT_MEMLOCK). All or nothing.
     */
    synchronized void pin(long first, long last) {
        if (pins == null) {
            pins = new PinMap();
        }
        List<long[]> fresh = pins.add(first, last);
        // Each fresh run's backing pages, keyed by the page index each part starts at.
        TreeMap<Long, PhysicalPages.Run> taken = new TreeMap<>();
        long charged = 0;
        try {
            long count = 0;
            for (long[] run : fresh) {
                long index = run[0];
                for (PhysicalPages.Run r : backing(run[0], run[1])) {
                    taken.put(index, r);
                    index += r.count();
                }
                count += run[1] - run[0] + 1;
            }
            if (count > 0) {
                faults.point("pfn_reader_user_pin");
                updatePinned(count, true);
                charged = count;
                if (file == null && !pinningSpace) {
                    AddressSpace space = source.mm().space();
                    physOffset = space.physical(base) - base;
                    space.pinning(true);
                    pinningSpace = true;
                }
            }
        } catch (RuntimeException e) {
            pins.remove(first, last);
            if (charged > 0) {
                updatePinned(charged, false);
            }
            throw e;
        }
        taken.values().forEach(physical::pin);
        if (file == null) {
            AddressSpace space = source.mm().space();
            taken.forEach((index, run) -> {
                pinnedRuns.put(index, run);
                space.pinned(base + index * PAGE_SIZE, run);
            });
        }
    }

    /** Drops a user of pages [first, last], unpinning and uncharging pages left without one. */
    synchronized void unpin(long first, long last) {
        long count = 0;
        for (long[] run : pins.remove(first, last)) {
            count += run[1] - run[0] + 1;
            release(run[0], run[1]);
        }
        if (count > 0) {
            updatePinned(count, false);
        }
        if (pins.isEmpty() && pinningSpace) {
            pinningSpace = false;
            source.mm().space().pinning(false);
        }
    }

    /** Pages with at least one user (for invariant checks: always equal to {@link #npinned}). */
    synchronized long coveredPages() {
        return pins == null ? 0 : pins.coveredPages();
    }

    /** Pages currently pinned. */
    synchronized long npinned() {
        return npinned;
    }

    /**
     * The checks of pinning pages [first, last] and the pages they are: user memory as GUP finds
     * it, or the file's own pages (mapped once, for DMA and access reads).
     */
    private List<PhysicalPages.Run> backing(long first, long last) {
        if (file == null) {
            // The user memory belongs to the process that mapped it; once it exited, nothing is left to pin.
            if (!source.mm().isLive()) {
                throw new ErrnoException(Errno.EFAULT, null, "mapping process has exited");
            }
            return PhysicalPages.resolve(
                    source.mm().space(), base + first * PAGE_SIZE, (last - first + 1) * PAGE_SIZE, writable);
        }
        if (!(file instanceof MemFdFile memfd)) {
            throw new ErrnoException(Errno.EINVAL, null, "MAP_FILE source is not shmem");
        }
        long filePages = Long.divideUnsigned(memfd.size() + PAGE_SIZE - 1, PAGE_SIZE);
        if (Long.compareUnsigned(base / PAGE_SIZE + last, filePages) >= 0) {
            throw new ErrnoException(Errno.EINVAL, null, "MAP_FILE pin beyond end of file");
        }
        mapFile(memfd);
        return List.of(new PhysicalPages.Run(memfd.inode(), base / PAGE_SIZE + first, last - first + 1));
    }

    /** The shared mapping of the whole page set through which kernel code reaches a file's pages. */
    private void mapFile(MemFdFile memfd) {
        if (fileMapping == null) {
            int prot = Linux.Prot.READ | (writable ? Linux.Prot.WRITE : 0);
            // The kernel's own view of the file's pages, in this JVM whoever the caller is.
            fileMapping =
                    NativeKernel.instance().mmap(npages * PAGE_SIZE, prot, Linux.Map.SHARED, memfd.hostFd(), base);
        }
    }

    /** Drops the pins of pages [first, last] from the machine's pages. */
    private void release(long first, long last) {
        if (file != null) {
            physical.unpin(
                    new PhysicalPages.Run(((MemFdFile) file).inode(), base / PAGE_SIZE + first, last - first + 1));
            return;
        }
        pinnedRuns.remove(first, last).forEach(physical::unpin);
    }

    /** iopt_pages_update_pinned: charges or uncharges {@code count} pages per the accounting mode. */
    private void updatePinned(long count, boolean inc) {
        charge(source, accountMode, count, inc);
        npinned += inc ? count : -count;
    }

    /** Charges (ENOMEM over the limit) or uncharges {@code count} pages to {@code task} in {@code mode}. */
    static void charge(Task task, AccountMode mode, long count, boolean inc) {
        long limit = task.rlimitMemlock() / PAGE_SIZE;
        switch (mode) {
            case NONE -> {}
            case USER -> {
                if (!inc) {
                    task.user().unchargeLocked(count);
                } else if (!task.user().chargeLocked(count, limit)) {
                    throw new ErrnoException(Errno.ENOMEM, null, "RLIMIT_MEMLOCK");
                }
            }
            case MM -> {
                if (!inc) {
                    task.mm().unchargeLocked(count);
                } else if (!task.mm().chargeLocked(count, limit)) {
                    throw new ErrnoException(Errno.ENOMEM, null, "RLIMIT_MEMLOCK");
                }
            }
        }
        task.mm().addPinned(inc ? count : -count);
    }

    /** For CHANGE_PROCESS: whether moving to {@code task} changes whom the pins are charged to. */
    synchronized boolean needsChargeUpdate(Task task) {
        return switch (accountMode) {
            case NONE, MM -> source.mm() != task.mm(); // pinned_vm moves even unaccounted

            case USER -> source.user() != task.user() || source.mm() != task.mm();
        };
    }

    synchronized AccountMode accountMode() {
        return accountMode;
    }

    /** CHANGE_PROCESS after the new owner was charged: uncharges the old one and switches. */
    synchronized void moveTo(Task task) {
        if (needsChargeUpdate(task) && npinned > 0) {
            charge(source, accountMode, npinned, false);
        }
        source = task;
    }
}
