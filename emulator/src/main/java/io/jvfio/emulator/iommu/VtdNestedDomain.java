package io.jvfio.emulator.iommu;

import static io.jvfio.emulator.iommu.VtdFirstStagePte.A;
import static io.jvfio.emulator.iommu.VtdFirstStagePte.D;
import static io.jvfio.emulator.iommu.VtdFirstStagePte.RW;
import static io.jvfio.emulator.iommu.VtdFirstStagePte.US;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.HashMap;
import java.util.Map;

/**
 * The VT-d nested domain ({@code dmar_domain} of type NESTED with its {@code s2_domain} and {@code
 * s1_cfg}): a first-stage walk whose every table read, and its output, go through the parent's
 * table. It shares the parent's DMA lock and monitor, so the parent's unmap drains its DMA and
 * drops its cached translations.
 *
 * <p>The walk (VT-d spec 3.6 and 3.8): the input must be canonical for the paging mode; each
 * level's entry is read at its guest-physical address, translated by the parent (not mapped there:
 * a second-stage NOT_PRESENT); an entry without P is a first-stage NOT_PRESENT, a PS bit where the
 * hardware has no such page a RESERVED_BIT fault. DMA without PASID is a user-mode request, so
 * every level needs U/S, and a write needs RW at every level (PERMISSION otherwise). The output
 * address is then translated by the parent. A translation that succeeds sets A in every entry it
 * used and, for a write, D in the leaf, with the locked update hardware does; those are writes
 * through the second stage, so with dirty tracking on they make the table page dirty there.
 *
 * <p>The IOTLB entry is the combined translation: the smaller of the two leaves, aligned, with
 * the permissions of both; writable only once the first-stage leaf is dirty, so a write through
 * an entry cached by a read walks again and sets D (a denied access always walks again first).
 */
final class VtdNestedDomain extends HwDomain implements NestedDomain {
    /** Canonical addresses only: the whole 64-bit range is handed to the walk. */
    private static final Aperture ANY = new Aperture(0, -1L);

    private static final long TABLE_ADDRESS = VtdFirstStagePte.ADDRESS;

    final PagingDomain parent;
    private final VtdStage1 config;
    private final VtdFirstStagePte fmt;
    private final boolean leaf1GiB;
    /** Attached devices per IOTLB; guarded by the parent's monitor. */
    private final Map<Iotlb, Integer> attached = new HashMap<>();

    private boolean closed;

    VtdNestedDomain(PagingDomain parent, VtdStage1 config, boolean leaf1GiB) {
        super(
                parent.dmaLock,
                parent.format,
                Math.min(parent.largestLeafLevel, leaf1GiB ? VtdFirstStagePte.LARGEST_LEAF_LEVEL : 1));
        if (parent.format() != PageTableFormat.VTD_SECOND_STAGE) {
            throw new IllegalArgumentException("a VT-d first stage nests on a VT-d second stage");
        }
        this.parent = parent;
        this.config = config;
        this.fmt = VtdFirstStagePte.ofAddressWidth(config.addrWidth());
        this.leaf1GiB = leaf1GiB;
        synchronized (parent) {
            parent.addNested(this);
        }
    }

    @Override
    public IommuDomain parent() {
        return parent;
    }

    @Override
    public VtdStage1 stage1() {
        return config;
    }

    @Override
    public void invalidate(long first, long last) {
        synchronized (parent) {
            // Drained: no DMA still copies through a translation the caller just invalidated.
            long stamp = dmaLock.writeLock();
            try {
                invalidateCaches(first, last);
            } finally {
                dmaLock.unlockWrite(stamp);
            }
        }
    }

    /** Drops the cached translations of [first, last] (parent's monitor and DMA write lock held). */
    void invalidateCaches(long first, long last) {
        for (Iotlb iotlb : attached.keySet()) {
            iotlb.invalidate(this, first, last);
        }
    }

    @Override
    public long iovaToPhys(long iova) {
        long stamp = dmaLock.readLock();
        try {
            Walk w = translate(iova, Access.READ, false);
            return w.entry == null ? 0 : w.entry.address + (iova - w.entry.iova);
        } finally {
            dmaLock.unlockRead(stamp);
        }
    }

    @Override
    public void close() {
        synchronized (parent) {
            if (closed) {
                return;
            }
            if (!attached.isEmpty()) {
                throw new ErrnoException(Errno.EBUSY, null, "nested domain still attached");
            }
            closed = true;
            parent.removeNested(this);
        }
    }

    @Override
    Aperture aperture() {
        return ANY;
    }

    @Override
    boolean tracking() {
        return parent.tracking();
    }

    @Override
    IotlbEntry walk(long iova, Access access) {
        return translate(iova, access, true).entry;
    }

    @Override
    boolean rewalksDenied() {
        return true;
    }

    @Override
    IommuFault fault(int deviceId, long iova, Access access, FaultReason seen) {
        Walk w = translate(iova, access, false);
        if (w.reason != null) {
            return new IommuFault(deviceId, id, iova, access, w.reason, w.stage);
        }
        return new IommuFault(deviceId, id, iova, access, seen, IommuFault.STAGE_FIRST);
    }

    @Override
    void attach(Iotlb iotlb) {
        synchronized (parent) {
            if (closed) {
                throw new IllegalStateException("nested domain " + id + " was freed");
            }
            attached.merge(iotlb, 1, Integer::sum);
        }
    }

    @Override
    void detach(Iotlb iotlb) {
        synchronized (parent) {
            leave(attached, iotlb);
        }
    }

    /** A walk's outcome: the combined translation, or why there is none and which stage said so. */
    private record Walk(IotlbEntry entry, FaultReason reason, int stage) {
        static Walk fault(FaultReason reason, int stage) {
            return new Walk(null, reason, stage);
        }
    }

    /**
     * Walks both stages for iova. {@code update}: set the accessed and dirty bits (a real
     * translation); without it the walk only looks (iova_to_phys, describing a fault). The entry
     * returned may lack the permission {@code access} needs only where the second stage denies it.
     */
    private Walk translate(long iova, Access access, boolean update) {
        long top = iova >> (fmt.vaBits() - 1);
        if (top != 0 && top != -1) {
            return Walk.fault(FaultReason.OUT_OF_APERTURE, IommuFault.STAGE_FIRST);
        }
        // Each entry used: its host address, and its table page's second-stage leaf entry.
        long[] entries = new long[fmt.topLevel() + 1];
        long[] tableLeaves = new long[fmt.topLevel() + 1];
        long table = config.pgtblAddr() & TABLE_ADDRESS;
        boolean writable = true;
        boolean user = true;
        int level = fmt.topLevel();
        long pte;
        int used = 0;
        while (true) {
            long gpa = table + (((iova >>> fmt.itemShift(level)) & ((1 << PteFormat.ENTRIES_LG2) - 1)) << 3);
            IotlbEntry page = parent.table.lookup(parent.id, gpa);
            if (page == null) {
                return Walk.fault(FaultReason.NOT_PRESENT, IommuFault.STAGE_PAGING);
            }
            long hpa = page.address + (gpa - page.iova);
            pte = HostMemory.readPte(hpa);
            if (!fmt.isPresent(pte)) {
                return Walk.fault(FaultReason.NOT_PRESENT, IommuFault.STAGE_FIRST);
            }
            entries[used] = hpa;
            tableLeaves[used++] = page.pteAddress;
            writable &= (pte & RW) != 0;
            user &= (pte & US) != 0;
            if (fmt.isLeaf(pte, level)) {
                if (level > (leaf1GiB ? VtdFirstStagePte.LARGEST_LEAF_LEVEL : 1)) {
                    return Walk.fault(FaultReason.RESERVED_BIT, IommuFault.STAGE_FIRST);
                }
                break;
            }
            table = fmt.tableAddress(pte);
            level--;
        }
        if (!user || (access == Access.WRITE && !writable)) {
            return Walk.fault(FaultReason.PERMISSION, IommuFault.STAGE_FIRST);
        }
        long leafSize = 1L << fmt.itemShift(level);
        long gpa = fmt.leafAddress(pte, level) + (iova & (leafSize - 1));
        IotlbEntry out = parent.table.lookup(parent.id, gpa);
        if (out == null) {
            return Walk.fault(FaultReason.NOT_PRESENT, IommuFault.STAGE_PAGING);
        }
        if ((out.prot & access.prot()) == 0) {
            return Walk.fault(FaultReason.PERMISSION, IommuFault.STAGE_PAGING);
        }
        boolean dirty = (pte & D) != 0;
        if (update) {
            for (int i = 0; i < used; i++) {
                setBits(entries[i], tableLeaves[i], i == used - 1 && access == Access.WRITE ? A | D : A);
            }
            dirty |= access == Access.WRITE;
        }
        long size = Math.min(leafSize, out.leafSize);
        int prot = IommuDomain.READ | (writable && dirty ? out.prot & IommuDomain.WRITE : 0);
        long base = iova & -size;
        long address = out.address + ((gpa & -size) - out.iova);
        int combinedLevel = (Long.numberOfTrailingZeros(size) - fmt.granuleShift()) / PteFormat.ENTRIES_LG2;
        return new Walk(new IotlbEntry(id, combinedLevel, base, size, size, address, prot, out.pteAddress), null, 0);
    }

    /**
     * Sets A (and D) in a first-stage entry unless already set. The hardware's write goes through
     * the second stage, which records it in the table page's leaf while tracking dirty pages.
     */
    private void setBits(long hostAddress, long secondStageLeaf, long bits) {
        if ((HostMemory.readPte(hostAddress) & bits) == bits) {
            return;
        }
        HostMemory.setPteBits(hostAddress, bits);
        long dirtyBit = parent.format.dirtyBit();
        if (parent.tracking() && (HostMemory.readPte(secondStageLeaf) & dirtyBit) == 0) {
            HostMemory.setPteBits(secondStageLeaf, dirtyBit);
        }
    }
}
