package io.jvfio.emulator.iommu;

/**
 * What VT-d's two entry formats share: a 4 KiB-aligned address in bits 12–51 of every entry, and
 * a leaf at any level mapping exactly that level's span.
 */
abstract sealed class X86Pte implements PteFormat permits VtdSecondStagePte, VtdFirstStagePte {
    /** Bits 12–51: the next table's or the leaf's address. */
    static final long ADDRESS = 0x000f_ffff_ffff_f000L;

    @Override
    public long tableAddress(long pte) {
        return pte & ADDRESS;
    }

    @Override
    public int leafShift(long pte, int level) {
        return itemShift(level);
    }

    @Override
    public long leafAddress(long pte, int level) {
        return pte & ADDRESS & -(1L << itemShift(level));
    }
}
