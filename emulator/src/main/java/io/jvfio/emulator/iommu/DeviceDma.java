package io.jvfio.emulator.iommu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
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
 * Checking first costs a second IOTLB lookup per page on DMAs that span pages (none on the common
 * single-page or single-large-page DMA); in exchange a device never leaves half a buffer written,
 * which keeps emulated devices' error paths simple. Real hardware would have written the pages
 * before the faulting one; no iommufd or VFIO behaviour depends on that.
 */
public final class DeviceDma {
    private final Iommu iommu;
    private final int deviceId;
    /** Page requests are per 4 KiB page, the VT-d page size (the mock devices do no DMA). */
    private static final long PRI_PAGE_SIZE = 4096;

    private volatile PagingDomain domain;
    private volatile PageRequester pageRequester;

    DeviceDma(Iommu iommu, int deviceId) {
        this.iommu = iommu;
        this.deviceId = deviceId;
    }

    public int deviceId() {
        return deviceId;
    }

    public Iommu iommu() {
        return iommu;
    }

    /** The attached domain; empty when blocked. */
    public Optional<IommuDomain> domain() {
        return Optional.ofNullable(domain);
    }

    /**
     * Attaches to {@code target}, replacing any current domain atomically: DMA translates through
     * either the old or the new domain, never neither; when this returns, no DMA uses the old one.
     */
    public synchronized void attach(IommuDomain target) {
        PagingDomain next = (PagingDomain) Objects.requireNonNull(target);
        PagingDomain previous = domain;
        if (next == previous) {
            return;
        }
        next.attach(iommu.iotlb);
        domain = next;
        if (previous != null) {
            previous.detach(iommu.iotlb);
        }
    }

    /** Detaches to the blocking domain; when this returns, no DMA of this device is in flight. */
    public synchronized void detach() {
        PagingDomain previous = domain;
        if (previous != null) {
            domain = null;
            previous.detach(iommu.iotlb);
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
        PagingDomain d = domain;
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
        IommuFault fault;
        while (true) {
            PagingDomain d = domain;
            if (d == null) {
                fault = new IommuFault(deviceId, 0, iova, access, FaultReason.BLOCKED);
                break;
            }
            long stamp = d.dmaLock.readLock();
            try {
                // Replaced while we waited: the old domain may already be drained; use the new one.
                if (domain != d) {
                    continue;
                }
                fault = run(d, iova, length, access, buffer, consumer);
            } finally {
                d.dmaLock.unlockRead(stamp);
            }
            break;
        }
        return fault;
    }

    /** Under the domain's DMA read lock: check everything, then move the data. */
    private IommuFault run(
            PagingDomain d, long iova, long length, Access access, MemorySegment buffer, DmaChunkConsumer consumer) {
        Aperture aperture = d.aperture();
        if (!aperture.contains(iova, length)) {
            boolean startsInside = Long.compareUnsigned(iova, aperture.start()) >= 0
                    && Long.compareUnsigned(iova, aperture.last()) <= 0;
            long at = startsInside ? aperture.last() + 1 : iova;
            return new IommuFault(deviceId, d.id, at, access, FaultReason.OUT_OF_APERTURE);
        }
        long end = iova + length;
        boolean markDirty = access == Access.WRITE && d.tracking();
        // The common case first: one IOTLB hit (or walk) covers the whole transfer, and at most one
        // leaf needs its dirty bit.
        IotlbEntry hit = iommu.iotlb.translate(d, iova);
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
        Cursor c = new Cursor(d, iommu.iotlb);
        long firstPa = 0;
        long expected = 0;
        // Whether the whole transfer is one physically contiguous run (always so inside one leaf).
        boolean contiguous = true;
        for (long at = iova; at < end; at = c.iova + c.size) {
            if (!c.seek(at)) {
                return new IommuFault(deviceId, d.id, at, access, FaultReason.NOT_PRESENT);
            }
            if ((c.prot & access.prot()) == 0) {
                return new IommuFault(deviceId, d.id, at, access, FaultReason.PERMISSION);
            }
            long pa = c.address + (at - c.iova);
            if (at == iova) {
                firstPa = pa;
            } else {
                contiguous &= pa == expected;
            }
            expected = pa + (c.iova + c.size - at);
        }
        // Nothing can change the translations while we hold the read lock.
        if (contiguous && !markDirty) {
            move(firstPa, 0, length, access, buffer, consumer);
            return null;
        }
        // Walk again, marking leaves dirty and moving maximal physically contiguous runs.
        c = new Cursor(d, iommu.iotlb);
        long dirtyBit = d.format.dirtyBit();
        long runPa = 0;
        long runOffset = 0;
        long runLength = 0;
        for (long at = iova; at < end; ) {
            c.seek(at);
            if (markDirty) {
                markDirty(c.pteAddress, dirtyBit);
            }
            long n = Math.min(end, c.iova + c.size) - at;
            long pa = c.address + (at - c.iova);
            if (runLength > 0 && pa != runPa + runLength) {
                move(runPa, runOffset, runLength, access, buffer, consumer);
                runLength = 0;
            }
            if (runLength == 0) {
                runPa = pa;
                runOffset = at - iova;
            }
            runLength += n;
            at += n;
        }
        move(runPa, runOffset, runLength, access, buffer, consumer);
        return null;
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
        } else if (consumer != null) {
            consumer.accept(HostMemory.ALL.asSlice(pa, n), offset);
        } else if (access == Access.READ) {
            MemorySegment.copy(HostMemory.ALL, pa, buffer, offset, n);
        } else {
            MemorySegment.copy(buffer, offset, HostMemory.ALL, pa, n);
        }
    }

    /**
     * The leaf translating a DMA's current position. The first page comes from the IOTLB (walking
     * the table on a miss); each following page, when its entry sits next to the previous one in
     * the same leaf table, is read straight from that table, as a paging-structure cache would give
     * it. That saves an IOTLB probe per page, which for multi-page DMAs is a cache miss apiece (the
     * copy itself evicts the IOTLB); it is exact because nothing removes translations while a DMA
     * holds the domain.
     */
    private static final class Cursor {
        private final PagingDomain domain;
        private final Iotlb iotlb;
        private final PteFormat fmt;
        long pteAddress;
        long iova;
        long size;
        long address;
        int prot;
        int level;

        Cursor(PagingDomain domain, Iotlb iotlb) {
            this.domain = domain;
            this.iotlb = iotlb;
            this.fmt = domain.format;
        }

        /** Moves to the leaf covering {@code at} (the first IOVA, or where the leaf ends); false if unmapped. */
        boolean seek(long at) {
            int itemShift = fmt.itemShift(level);
            if (size != 0 && at == iova + size && ((at >>> itemShift) & ((1 << PteFormat.ENTRIES_LG2) - 1)) != 0) {
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
            IotlbEntry e = iotlb.translate(domain, at);
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
    }
}
