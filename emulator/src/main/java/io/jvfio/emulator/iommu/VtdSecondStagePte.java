package io.jvfio.emulator.iommu;

/**
 * Intel VT-d second-stage entries (VT-d spec 9.8): R bit 0, W bit 1, PS bit 7 (a leaf above level
 * 0), D bit 9, address bits 51:12. No present bit: an entry is present when non-zero. Leaves are
 * 4 KiB at level 0, 2 MiB at level 1, 1 GiB at level 2; 4 levels give a 48-bit IOVA.
 */
final class VtdSecondStagePte extends X86Pte {
    static final VtdSecondStagePte INSTANCE = new VtdSecondStagePte();

    private static final long R = 1L << 0;
    private static final long W = 1L << 1;
    private static final long PS = 1L << 7;
    private static final long D = 1L << 9;
    private static final int LARGEST_LEAF_LEVEL = 2;

    private VtdSecondStagePte() {}

    @Override
    public int topLevel() {
        return 3;
    }

    @Override
    public int granuleShift() {
        return 12;
    }

    @Override
    public int vaBits() {
        return 48;
    }

    @Override
    public int oaBits() {
        return 52;
    }

    @Override
    public long possibleSizes(int level) {
        return level <= LARGEST_LEAF_LEVEL ? 1L << itemShift(level) : 0;
    }

    @Override
    public long leafPte(long pa, int sizeShift, int level, int prot) {
        long pte =
                (pa & ADDRESS) | ((prot & IommuDomain.READ) != 0 ? R : 0) | ((prot & IommuDomain.WRITE) != 0 ? W : 0);
        return level == 0 ? pte : pte | PS;
    }

    @Override
    public long tablePte(long tableAddress, int level) {
        return (tableAddress & ADDRESS) | R | W;
    }

    @Override
    public boolean isPresent(long pte) {
        return pte != 0;
    }

    @Override
    public boolean isLeaf(long pte, int level) {
        return level == 0 || (level <= LARGEST_LEAF_LEVEL && (pte & PS) != 0);
    }

    @Override
    public int prot(long pte) {
        return (int) (pte & (R | W));
    }

    @Override
    public long dirtyBit() {
        return D;
    }
}
