package io.jvfio.emulator.iommu;

/**
 * The bit layout of one I/O page-table format: how a 64-bit entry says "empty", "next table" or
 * "leaf", and what a leaf maps. Tables are 4 KiB of 512 entries at every level; level 0 holds the
 * smallest leaves. The walking logic is shared ({@link RadixPageTable}).
 */
sealed interface PteFormat permits X86Pte, AmdV1MockPte {
    int ENTRIES_LG2 = 9;

    /** The level of the root table. */
    int topLevel();

    /** log2 of the IOVA span of one entry at level 0. */
    int granuleShift();

    /** IOVA bits the table translates; the root covers [0, 2^vaBits). */
    int vaBits();

    /** Output addresses must fit in this many bits. */
    int oaBits();

    default int itemShift(int level) {
        return granuleShift() + ENTRIES_LG2 * level;
    }

    /** Bitmap of the leaf sizes an entry at this level can map (0: no leaves at this level). */
    long possibleSizes(int level);

    /** The entry (one of 2^(sizeShift - itemShift(level)) identical ones) for a leaf. */
    long leafPte(long pa, int sizeShift, int level, int prot);

    /** The entry at {@code level} pointing to a table one level down. */
    long tablePte(long tableAddress, int level);

    boolean isPresent(long pte);

    /** A present entry that maps memory rather than pointing to a table. */
    boolean isLeaf(long pte, int level);

    long tableAddress(long pte);

    /** log2 of the IOVA span the leaf covers (larger than the level's item for contiguous runs). */
    int leafShift(long pte, int level);

    /** The output address of the leaf's first byte. */
    long leafAddress(long pte, int level);

    /** {@link IommuDomain#READ}/{@link IommuDomain#WRITE} of a leaf. */
    int prot(long pte);

    /** The bit hardware sets on a write through this leaf while dirty tracking is on. */
    long dirtyBit();
}
