package io.jvfio.emulator.iommu;

/**
 * The iommufd selftest mock's entries: the AMD IOMMU v1 layout with a 2 KiB granule and 3 levels
 * (38-bit IOVA). Present bit 0, dirty bit 6, next-level field bits 11:9, the output address
 * divided by 2 KiB in bits 51:12, read bit 61, write bit 62. Next level 0 is a leaf of the level's
 * item size; next level 7 is one entry of a contiguous run of identical entries whose size is coded
 * as a string of ones at the bottom of the address field (t ones: 2^(t+12) bytes), so any power of
 * two from 2 KiB up can be mapped. Other next-level values point to a table.
 */
final class AmdV1MockPte implements PteFormat {
    static final AmdV1MockPte INSTANCE = new AmdV1MockPte();

    private static final long PRESENT = 1L << 0;
    private static final long D = 1L << 6;
    private static final int NEXT_LEVEL_SHIFT = 9;
    private static final long NEXT_LEVEL_MASK = 7L << NEXT_LEVEL_SHIFT;
    private static final long NEXT_LEVEL_CONTIGUOUS = 7L << NEXT_LEVEL_SHIFT;
    private static final int ADDRESS_SHIFT = 12;
    private static final long ADDRESS = 0x000f_ffff_ffff_f000L;
    private static final long IR = 1L << 61;
    private static final long IW = 1L << 62;
    private static final int GRANULE_SHIFT = 11;
    /** The hardware cannot map 512 GiB pages (an AMD erratum the format keeps). */
    private static final long NO_512G = ~(1L << 39);

    private AmdV1MockPte() {}

    @Override
    public int topLevel() {
        return 2;
    }

    @Override
    public int granuleShift() {
        return GRANULE_SHIFT;
    }

    @Override
    public int vaBits() {
        return GRANULE_SHIFT + ENTRIES_LG2 * (topLevel() + 1);
    }

    @Override
    public int oaBits() {
        return 51;
    }

    @Override
    public long possibleSizes(int level) {
        int lo = itemShift(level);
        int hi = Math.min(51, lo + ENTRIES_LG2 - 1);
        return (-1L >>> (63 - hi)) & -(1L << lo) & NO_512G;
    }

    @Override
    public long leafPte(long pa, int sizeShift, int level, int prot) {
        long pte = PRESENT
                | field(pa)
                | ((prot & IommuDomain.READ) != 0 ? IR : 0)
                | ((prot & IommuDomain.WRITE) != 0 ? IW : 0);
        if (sizeShift == itemShift(level)) {
            return pte;
        }
        long sizeCode = ((1L << (sizeShift - ADDRESS_SHIFT)) - 1) << ADDRESS_SHIFT;
        return pte | NEXT_LEVEL_CONTIGUOUS | sizeCode;
    }

    @Override
    public long tablePte(long tableAddress, int level) {
        return PRESENT | ((long) level << NEXT_LEVEL_SHIFT) | field(tableAddress) | IR | IW;
    }

    @Override
    public boolean isPresent(long pte) {
        return (pte & PRESENT) != 0;
    }

    @Override
    public boolean isLeaf(long pte, int level) {
        long next = pte & NEXT_LEVEL_MASK;
        return level == 0 || next == 0 || next == NEXT_LEVEL_CONTIGUOUS;
    }

    @Override
    public long tableAddress(long pte) {
        return unfield(pte);
    }

    @Override
    public int leafShift(long pte, int level) {
        if ((pte & NEXT_LEVEL_MASK) != NEXT_LEVEL_CONTIGUOUS) {
            return itemShift(level);
        }
        return ADDRESS_SHIFT + Long.numberOfTrailingZeros(~((pte & ADDRESS) >>> ADDRESS_SHIFT));
    }

    @Override
    public long leafAddress(long pte, int level) {
        return unfield(pte) & -(1L << leafShift(pte, level));
    }

    @Override
    public int prot(long pte) {
        return ((pte & IR) != 0 ? IommuDomain.READ : 0) | ((pte & IW) != 0 ? IommuDomain.WRITE : 0);
    }

    @Override
    public long dirtyBit() {
        return D;
    }

    private static long field(long address) {
        return ((address >>> GRANULE_SHIFT) << ADDRESS_SHIFT) & ADDRESS;
    }

    private static long unfield(long pte) {
        return ((pte & ADDRESS) >>> ADDRESS_SHIFT) << GRANULE_SHIFT;
    }
}
