package io.jvfio.emulator.iommu;

/**
 * Intel VT-d first-stage entries: x86-64 paging (VT-d spec 9.7; kernel {@code
 * generic_pt/fmt/x86_64.h}). P bit 0, RW bit 1, U/S bit 2, A bit 5, D bit 6, PS bit 7 (a leaf at
 * levels 1 and 2), address bits 51:12, XD bit 63. Leaves are 4 KiB, 2 MiB and 1 GiB; 4 levels
 * translate a 48-bit canonical (sign-extended) address, 5 levels a 57-bit one. Whether 1 GiB and
 * 5-level paging exist is the hardware's (FL1GP, FL5LP); the walker checks them.
 */
final class VtdFirstStagePte extends X86Pte {
    static final VtdFirstStagePte LEVEL4 = new VtdFirstStagePte(3, 48);
    static final VtdFirstStagePte LEVEL5 = new VtdFirstStagePte(4, 57);

    static final long P = 1L << 0;
    static final long RW = 1L << 1;
    static final long US = 1L << 2;
    static final long A = 1L << 5;
    static final long D = 1L << 6;
    static final long PS = 1L << 7;
    /** The largest leaf is at level 2 (1 GiB). */
    static final int LARGEST_LEAF_LEVEL = 2;

    private final int topLevel;
    private final int vaBits;

    private VtdFirstStagePte(int topLevel, int vaBits) {
        this.topLevel = topLevel;
        this.vaBits = vaBits;
    }

    /** The format of {@code addr_width} (IOMMU_HWPT_DATA_VTD_S1: 48 or 57). */
    static VtdFirstStagePte ofAddressWidth(int addrWidth) {
        return addrWidth == LEVEL5.vaBits ? LEVEL5 : LEVEL4;
    }

    @Override
    public int topLevel() {
        return topLevel;
    }

    @Override
    public int granuleShift() {
        return 12;
    }

    @Override
    public int vaBits() {
        return vaBits;
    }

    @Override
    public int oaBits() {
        return 52;
    }

    @Override
    public long possibleSizes(int level) {
        return level <= LARGEST_LEAF_LEVEL ? 1L << itemShift(level) : 0;
    }

    /** As the kernel's x86_64 format writes leaves: U and A always, RW and D for writable ones. */
    @Override
    public long leafPte(long pa, int sizeShift, int level, int prot) {
        long pte = (pa & ADDRESS) | P | US | A;
        if ((prot & IommuDomain.WRITE) != 0) {
            pte |= RW | D;
        }
        return level == 0 ? pte : pte | PS;
    }

    @Override
    public long tablePte(long tableAddress, int level) {
        return (tableAddress & ADDRESS) | P | RW | US | A;
    }

    @Override
    public boolean isPresent(long pte) {
        return (pte & P) != 0;
    }

    /** A leaf at level 0, or with PS at a level that has large pages (PS elsewhere is reserved). */
    @Override
    public boolean isLeaf(long pte, int level) {
        return level == 0 || (pte & PS) != 0;
    }

    /** Present entries are readable; RW makes them writable (the walker also needs U/S and D). */
    @Override
    public int prot(long pte) {
        return IommuDomain.READ | ((pte & RW) != 0 ? IommuDomain.WRITE : 0);
    }

    @Override
    public long dirtyBit() {
        return D;
    }
}
