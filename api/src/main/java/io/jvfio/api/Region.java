package io.jvfio.api;

import java.lang.foreign.MemorySegment;

/**
 * A device region (a PCI BAR, config space, ROM, …): accessed with pread/pwrite on the device fd,
 * or mmap-ed where the region allows it. Offsets are relative to the region's start; multi-byte
 * values are little endian, as PCI is.
 */
public sealed interface Region permits RegionImpl {
    RegionInfo info();

    /** Reads a 1-, 2-, 4- or 8-byte value at {@code offset}, zero-extended. */
    long read(long offset, int size);

    /** Writes the low {@code size} (1, 2, 4 or 8) bytes of {@code value} at {@code offset}. */
    void write(long offset, int size, long value);

    /** Fills {@code into} from {@code offset}. */
    void read(long offset, MemorySegment into);

    /** Writes all of {@code from} at {@code offset}. */
    void write(long offset, MemorySegment from);

    /**
     * Maps the whole region (MMAP flag, no sparse areas) shared into this process; unmapped when the
     * device closes.
     */
    MemorySegment mmap();

    /** Maps one of {@link RegionInfo#mmapAreas()}. */
    MemorySegment mmap(SparseArea area);
}
