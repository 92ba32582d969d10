package io.jvfio.emulator.iommu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A device's port behind an {@link Iommu}: where the iommufd side attaches it to a domain and
 * where the emulated device does its DMA. Thread-safe; any number of DMAs may run at once.
 *
 * <p>A DMA is all or nothing: the whole IOVA range is translated and checked first, and only then
 * is memory touched. A faulting DMA reads and writes nothing (not even a dirty bit), is logged by
 * the IOMMU, handed to its fault sink, and thrown to the device as {@link IommuFaultException}.
 * Checking first means the translations of a multi-page DMA are kept from the check to the move
 * (in a per-thread record, see {@link Runs}); in exchange a device never leaves half a buffer
 * written, which keeps emulated devices' error paths simple. Real hardware would have written the
 * pages before the faulting one; no iommufd or VFIO behaviour depends on that.
 */
public final class DeviceDma {
    private final Iommu iommu;
    private final int deviceId;
    /** Page requests are per 4 KiB page, the VT-d page size (the mock devices do no DMA). */
    private static final long PRI_PAGE_SIZE = 4096;

    private final Iotlb iotlb;
    private volatile HwDomain domain;
    private volatile PageRequester pageRequester;
    /** The DMA state of the thread that used the port last (racy: checked against the caller). */
    private Runs lastThread;

    DeviceDma(Iommu iommu, int deviceId) {
        this.iommu = iommu;
        this.iotlb = iommu.iotlb;
        this.deviceId = deviceId;
    }

    public int deviceId() {
        return deviceId;
    }

    public Iommu iommu() {
        return iommu;
    }

    /** The attached domain; empty when blocked. */
    public Optional<Domain> domain() {
        return Optional.ofNullable(domain);
    }

    /**
     * Attaches to {@code target}, replacing any current domain atomically: DMA translates through
     * either the old or the new domain, never neither; when this returns, no DMA uses the old one.
     */
    public synchronized void attach(Domain target) {
        HwDomain next = (HwDomain) Objects.requireNonNull(target);
        HwDomain previous = domain;
        if (next == previous) {
            return;
        }
        next.attach(iotlb);
        domain = next;
        if (previous != null) {
            previous.detach(iotlb);
        }
    }

    /** Detaches to the blocking domain; when this returns, no DMA of this device is in flight. */
    public synchronized void detach() {
        HwDomain previous = domain;
        if (previous != null) {
            domain = null;
            previous.detach(iotlb);
        }
    }

    /** Device reads memory: copies [iova, iova + dst.byteSize()) into dst. */
    public void dmaRead(long iova, MemorySegment dst) {
        transfer(iova, dst.byteSize(), Access.READ, dst, null);
    }

    /** Device writes memory: copies src to [iova, iova + src.byteSize()). */
    public void dmaWrite(long iova, MemorySegment src) {
        transfer(iova, src.byteSize(), Access.WRITE, src, null);
    }

    /**
     * Translates [iova, iova+length) for {@code access} and hands the host memory behind it to
     * {@code consumer} piece by piece, in IOVA order: each piece is a maximal physically
     * contiguous run, so pieces split only at page boundaries where the next page lies elsewhere.
     */
    public void dma(long iova, long length, Access access, DmaChunkConsumer consumer) {
        transfer(iova, length, access, null, Objects.requireNonNull(consumer));
    }

    /** The device's PRI: sends a page request group and waits for its response. */
    @FunctionalInterface
    interface PageRequester {
        PageRequest.Response request(List<Long> pages, Access access);
    }

    /** PRI enabled: not-present faults become page requests. */
    void setPageRequester(PageRequester requester) {
        this.pageRequester = requester;
    }

    /**
     * The DMA; with PRI, a transfer that finds pages not present requests them (one group with
     * every not-present page of the transfer) and, on SUCCESS, retries. A page still not present
     * after its SUCCESS, any other response, or any other fault ends the DMA with the fault.
     */
    private void transfer(long iova, long length, Access access, MemorySegment buffer, DmaChunkConsumer consumer) {
        if (length < 0) {
            throw new IllegalArgumentException("negative DMA length " + length);
        }
        if (length == 0) {
            return;
        }
        IommuFault fault = tryTransfer(iova, length, access, buffer, consumer);
        if (fault != null) {
            requestPagesOrFail(fault, iova, length, access, buffer, consumer);
        }
    }

    /** A fault: page requests and retries while PRI may resolve it, else the fault thrown. */
    private void requestPagesOrFail(
            IommuFault first, long iova, long length, Access access, MemorySegment buffer, DmaChunkConsumer consumer) {
        IommuFault fault = first;
        PageRequester pri = pageRequester;
        Set<Long> requested = new HashSet<>();
        while (fault != null && fault.reason() == FaultReason.NOT_PRESENT && pri != null) {
            List<Long> pages = notPresentPages(iova, length);
            if (pages.isEmpty() || !requested.addAll(pages)) {
                pages = List.of(fault.iova() & -PRI_PAGE_SIZE);
                if (!requested.add(pages.getFirst())) {
                    break;
                }
            }
            if (pri.request(pages, access) != PageRequest.Response.SUCCESS) {
                break;
            }
            fault = tryTransfer(iova, length, access, buffer, consumer);
        }
        if (fault != null) {
            throw iommu.fault(fault);
        }
    }

    /** The 4 KiB pages of [iova, iova+length) without a translation in the attached domain. */
    private List<Long> notPresentPages(long iova, long length) {
        List<Long> pages = new ArrayList<>();
        HwDomain d = domain;
        for (long page = iova & -PRI_PAGE_SIZE;
                d != null && Long.compareUnsigned(page, iova + length) < 0;
                page += PRI_PAGE_SIZE) {
            if (d.iovaToPhys(page) == 0) {
                pages.add(page);
            }
        }
        return pages;
    }

    /** One attempt: null when the data moved, else the fault (not yet logged). */
    private IommuFault tryTransfer(
            long iova, long length, Access access, MemorySegment buffer, DmaChunkConsumer consumer) {
        Runs t = thread();
        while (true) {
            HwDomain d = domain;
            if (d == null) {
                return new IommuFault(deviceId, 0, iova, access, FaultReason.BLOCKED);
            }
            DmaLock lock = d.dmaLock;
            if (lock.tryEnter(t.reader)) {
                try {
                    // Replaced meanwhile: the old domain may already be drained; use the new one.
                    if (domain == d) {
                        return run(d, t, iova, length, access, buffer, consumer);
                    }
                } finally {
                    DmaLock.exit(t.reader);
                }
                continue;
            }
            long stamp = lock.readLock();
            try {
                if (domain == d) {
                    lock.bias();
                    return run(d, t, iova, length, access, buffer, consumer);
                }
            } finally {
                lock.unlockRead(stamp);
            }
        }
    }

    /** The calling thread's DMA state; the port remembers the last thread's, sparing the ThreadLocal. */
    private Runs thread() {
        Runs t = lastThread;
        if (t == null || t.reader.threadId != Thread.currentThread().threadId()) {
            t = RUNS.get();
            lastThread = t;
        }
        return t;
    }

    /**
     * Inside the domain's DMA lock: check everything, then move the data. Kept small enough for the
     * JIT to inline into the DMA call: what a transfer within one translation needs is here, the
     * rest is in {@link #outOfAperture}, {@link #translate} and {@link #runPages}.
     */
    private IommuFault run(
            HwDomain d,
            Runs runs,
            long iova,
            long length,
            Access access,
            MemorySegment buffer,
            DmaChunkConsumer consumer) {
        if (!d.aperture().contains(iova, length)) {
            return outOfAperture(d, iova, access);
        }
        long end = iova + length;
        boolean markDirty = access == Access.WRITE && d.tracking();
        // The thread's last translation, else the IOTLB (or a walk).
        long generation = iotlb.generation();
        IotlbEntry hit = runs.last(iotlb, generation, d.id, iova, access);
        if (hit == null) {
            hit = translate(d, runs, generation, iova, access);
        }
        // The common case first: one translation covers the whole transfer, and at most one leaf
        // needs its dirty bit.
        if (hit != null
                && hit.covers(end - 1)
                && (hit.prot & access.prot()) != 0
                && (!markDirty || end - hit.iova <= hit.leafSize)) {
            if (markDirty) {
                markDirty(hit.pteAddress, d.format.dirtyBit());
            }
            move(hit.address + (iova - hit.iova), 0, length, access, buffer, consumer);
            return null;
        }
        return runPages(d, runs, hit, generation, iova, length, access, markDirty, buffer, consumer);
    }

    private IommuFault outOfAperture(HwDomain d, long iova, Access access) {
        Aperture aperture = d.aperture();
        boolean startsInside =
                Long.compareUnsigned(iova, aperture.start()) >= 0 && Long.compareUnsigned(iova, aperture.last()) <= 0;
        long at = startsInside ? aperture.last() + 1 : iova;
        return new IommuFault(deviceId, d.id, at, access, FaultReason.OUT_OF_APERTURE);
    }

    /** The IOTLB's translation of iova (null: none), remembered as the thread's last. */
    private IotlbEntry translate(HwDomain d, Runs runs, long generation, long iova, Access access) {
        IotlbEntry e = iotlb.translate(d, iova, access);
        runs.remember(iotlb, generation, e);
        return e;
    }

    /**
     * A transfer that one translation does not cover: check the whole range, recording what it
     * translates to, so that moving the data needs no second walk; a thread repeating its last
     * transfer reuses the record until the IOTLB sees an invalidation. Used only inside the DMA
     * lock, which an unmap must hold to invalidate.
     */
    private IommuFault runPages(
            HwDomain d,
            Runs runs,
            IotlbEntry hit,
            long generation,
            long iova,
            long length,
            Access access,
            boolean markDirty,
            MemorySegment buffer,
            DmaChunkConsumer consumer) {
        if (!runs.holds(iotlb, generation, d.id, iova, length, access, markDirty)) {
            IommuFault fault = walk(d, hit, runs.reset(markDirty, 0), iova, length, access, true);
            if (fault != null) {
                return fault;
            }
            runs.tag(iotlb, generation, d.id, iova, length, access);
        }
        long dirtyBit = d.format.dirtyBit();
        while (true) {
            for (int i = 0; i < runs.leaves; i++) {
                markDirty(runs.ptes[i], dirtyBit);
            }
            long offset = runs.from;
            for (int i = 0; i < runs.count; i += 2) {
                move(runs.runs[i], offset, runs.runs[i + 1], access, buffer, consumer);
                offset += runs.runs[i + 1];
            }
            if (offset == length) {
                return null;
            }
            // Longer than one record holds: walk on from where it stopped, a record at a time.
            walk(d, null, runs.reset(markDirty, offset), iova, length, access, false);
        }
    }

    /**
     * Translates the transfer [iova, iova+length) from {@code r.from} on and records it in {@code
     * r}. {@code checkAll}: once the record is full, go on checking to the end (the check before
     * any byte moves); otherwise stop there. Returns the first fault, or null.
     */
    private IommuFault walk(
            HwDomain d, IotlbEntry first, Runs r, long iova, long length, Access access, boolean checkAll) {
        long end = iova + length;
        // The record in locals: this loop runs per page and must cost little next to the copy.
        long[] runs = r.runs;
        long[] ptes = r.dirty ? r.ptes : null;
        int count = 0;
        int leaves = 0;
        boolean full = false;
        IommuFault fault = null;
        Cursor c = new Cursor(d, iotlb, access);
        for (long at = iova + r.from; at < end; at = c.iova + c.size) {
            if (!(first != null && at == iova ? c.load(first) : c.seek(at))) {
                fault = d.fault(deviceId, at, access, FaultReason.NOT_PRESENT);
                break;
            }
            if ((c.prot & access.prot()) == 0) {
                fault = d.fault(deviceId, at, access, FaultReason.PERMISSION);
                break;
            }
            if (full) {
                continue;
            }
            long pa = c.address + (at - c.iova);
            long n = Math.min(end, c.iova + c.size) - at;
            boolean continues = count > 0 && runs[count - 2] + runs[count - 1] == pa;
            if (ptes != null ? leaves == ptes.length : !continues && count == runs.length) {
                if (r.grow()) {
                    runs = r.runs;
                    ptes = ptes != null ? r.ptes : null;
                } else {
                    full = true;
                    if (!checkAll) {
                        break;
                    }
                    continue;
                }
            }
            if (ptes != null) {
                ptes[leaves++] = c.pteAddress;
            }
            if (continues) {
                runs[count - 1] += n;
            } else {
                runs[count] = pa;
                runs[count + 1] = n;
                count += 2;
            }
        }
        r.count = count;
        r.leaves = leaves;
        r.complete = !full && fault == null && r.from == 0;
        return fault;
    }

    /** Sets the leaf's dirty bit unless already set (sparing the locked update, as hardware does). */
    private static void markDirty(long pteAddress, long dirtyBit) {
        if ((HostMemory.readPte(pteAddress) & dirtyBit) == 0) {
            HostMemory.setPteBits(pteAddress, dirtyBit);
        }
    }

    /** Moves one physically contiguous piece: host [pa, pa+n) is transfer bytes [offset, offset+n). */
    private static void move(
            long pa, long offset, long n, Access access, MemorySegment buffer, DmaChunkConsumer consumer) {
        if (PeerMmio.contains(pa)) {
            PeerMmio.move(pa, offset, n, access, buffer, consumer);
        } else if (PhysicalMemory.isWindow(pa)) {
            moveWindow(pa, offset, n, access, buffer, consumer);
        } else if (consumer != null) {
            consumer.accept(HostMemory.ALL.asSlice(pa, n), offset);
        } else if (access == Access.READ) {
            MemorySegment.copy(HostMemory.ALL, pa, buffer, offset, n);
        } else {
            MemorySegment.copy(buffer, offset, HostMemory.ALL, pa, n);
        }
    }

    /** A piece in another process's memory: staged through a buffer of ours for a consumer. */
    private static void moveWindow(
            long pa, long offset, long n, Access access, MemorySegment buffer, DmaChunkConsumer consumer) {
        if (consumer == null) {
            if (access == Access.READ) {
                PhysicalMemory.dmaRead(pa, buffer, offset, n);
            } else {
                PhysicalMemory.dmaWrite(buffer, offset, pa, n);
            }
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staged = arena.allocate(n, 8);
            if (access == Access.READ) {
                PhysicalMemory.dmaRead(pa, staged, 0, n);
            }
            consumer.accept(staged, offset);
            if (access != Access.READ) {
                PhysicalMemory.dmaWrite(staged, 0, pa, n);
            }
        }
    }

    /**
     * The leaf translating a DMA's current position. The first page comes from the IOTLB (walking
     * the table on a miss); each following page, when its entry sits next to the previous one in
     * the same leaf table, is read straight from that table, as a paging-structure cache would give
     * it. That saves an IOTLB probe per page, which for multi-page DMAs is a cache miss apiece (the
     * copy itself evicts the IOTLB); it is exact because nothing removes translations while a DMA
     * holds the domain. Only a paging domain's leaves are entries of one table; a nested domain's
     * pages each come from the IOTLB (or its two-stage walk).
     */
    private static final class Cursor {
        private final HwDomain domain;
        private final Iotlb iotlb;
        private final Access access;
        private final PteFormat fmt;
        /** The leaf's table is the domain's own (a nested domain's entries combine two tables). */
        private final boolean oneTable;

        long pteAddress;
        long iova;
        long size;
        long address;
        int prot;
        int level;

        Cursor(HwDomain domain, Iotlb iotlb, Access access) {
            this.domain = domain;
            this.iotlb = iotlb;
            this.access = access;
            this.fmt = domain.format;
            this.oneTable = domain instanceof PagingDomain;
        }

        /** Starts at the translation the IOTLB gave for the first IOVA; false if there was none. */
        boolean load(IotlbEntry e) {
            if (e == null) {
                return false;
            }
            // One leaf at a time from here: each needs its own dirty bit.
            pteAddress = e.pteAddress;
            iova = e.iova;
            size = e.leafSize;
            address = e.address;
            prot = e.prot;
            level = e.level;
            return true;
        }

        /** Moves to the leaf covering {@code at} (the first IOVA, or where the leaf ends); false if unmapped. */
        boolean seek(long at) {
            int itemShift = fmt.itemShift(level);
            if (oneTable
                    && size != 0
                    && at == iova + size
                    && ((at >>> itemShift) & ((1 << PteFormat.ENTRIES_LG2) - 1)) != 0) {
                long next = pteAddress + ((size >>> itemShift) << 3);
                long pte = HostMemory.readPte(next);
                if (fmt.isPresent(pte) && fmt.isLeaf(pte, level)) {
                    pteAddress = next;
                    iova = at;
                    size = 1L << fmt.leafShift(pte, level);
                    address = fmt.leafAddress(pte, level);
                    prot = fmt.prot(pte);
                    return true;
                }
            }
            return load(iotlb.translate(domain, at, access));
        }
    }

    private static final ThreadLocal<Runs> RUNS = ThreadLocal.withInitial(Runs::new);

    /**
     * A thread's DMA state: its {@link DmaLock.Reader} mark, its last translation, and what the
     * check of a transfer found, so the move needs no second walk: its maximal physically
     * contiguous runs and, for a tracked write, the leaves to mark dirty. One per thread. The last
     * translation (an IOTLB entry) is tagged with the IOTLB and its {@link Iotlb#generation} when
     * it was looked up, and is used again, without an IOTLB probe, while both match: an IOTLB entry
     * in front of the IOTLB, dropped by any invalidation. A record
     * of a whole transfer is tagged with what it was checked for (IOTLB, its {@link
     * Iotlb#generation}, domain, range, access, dirty tracking) and serves the thread's next
     * transfer with the same tag: like an IOTLB entry it lives until the next invalidation, and it
     * is used only inside the domain's DMA lock, which unmap must hold to invalidate. Faults are
     * never recorded. It grows to {@link #CAPACITY} runs (2 MiB of scattered 4 KiB pages, 12 KiB);
     * a longer transfer is moved a record at a time, walking again from where the last one ended.
     */
    private static final class Runs {
        private static final int CAPACITY = 512;

        final DmaLock.Reader reader = new DmaLock.Reader();

        private IotlbEntry last;
        private Iotlb lastIotlb;
        private long lastGeneration;

        /** (host address, length) of each run, in transfer order. */
        long[] runs = new long[32];
        /** The leaf entries to mark dirty, when {@link #dirty}. */
        long[] ptes = new long[16];
        /** Longs used in {@link #runs}: twice the runs recorded. */
        int count;

        int leaves;
        boolean dirty;
        /** The offset in the transfer where the record starts. */
        long from;
        /** The record covers the whole transfer. */
        boolean complete;

        private Iotlb iotlb;
        private long generation;
        private int domainId;
        private long iova;
        private long length;
        private Access access;

        /** Empties the record for the transfer's bytes from {@code from} on. */
        Runs reset(boolean markDirty, long from) {
            this.from = from;
            dirty = markDirty;
            count = 0;
            leaves = 0;
            complete = false;
            iotlb = null;
            return this;
        }

        /** Tags a complete record with what it was checked for, so the same transfer can reuse it. */
        void tag(Iotlb tlb, long gen, int domain, long start, long len, Access acc) {
            if (complete) {
                iotlb = tlb;
                generation = gen;
                domainId = domain;
                iova = start;
                length = len;
                access = acc;
            }
        }

        /** Whether this records that transfer, checked under this IOTLB generation. */
        boolean holds(Iotlb tlb, long gen, int domain, long start, long len, Access acc, boolean markDirty) {
            return iotlb == tlb
                    && dirty == markDirty
                    && generation == gen
                    && domainId == domain
                    && iova == start
                    && length == len
                    && access == acc;
        }

        /** The last translation if it still holds and translates {@code at} for {@code acc}, else null. */
        IotlbEntry last(Iotlb tlb, long gen, int domain, long at, Access acc) {
            IotlbEntry e = last;
            return e != null
                            && lastGeneration == gen
                            && lastIotlb == tlb
                            && e.domainId == domain
                            && e.covers(at)
                            && (e.prot & acc.prot()) != 0
                    ? e
                    : null;
        }

        /** Remembers a translation looked up in {@code tlb} at generation {@code gen} (null: none). */
        void remember(Iotlb tlb, long gen, IotlbEntry e) {
            last = e;
            lastIotlb = tlb;
            lastGeneration = gen;
        }

        /** Doubles the room, up to {@link #CAPACITY} runs and leaves; false when already there. */
        boolean grow() {
            if (ptes.length == CAPACITY) {
                return false;
            }
            runs = Arrays.copyOf(runs, 2 * runs.length);
            ptes = Arrays.copyOf(ptes, 2 * ptes.length);
            return true;
        }
    }
}
