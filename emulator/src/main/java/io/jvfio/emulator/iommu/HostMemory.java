package io.jvfio.emulator.iommu;

import io.jvfio.kernel.nativeimpl.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The emulated machine's physical memory: this process's address space, addressed by virtual
 * address. One segment spanning everything lets DMA and page walks use raw addresses without
 * allocating a segment per access. Only addresses the emulated kernel vouches for (pinned user
 * pages, our own table pages) are ever touched.
 */
final class HostMemory {
    static final MemorySegment ALL = NativeMemory.EVERYTHING;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private HostMemory() {}

    /**
     * Reads a PTE. Acquire, so that a walker that sees a freshly installed table pointer also sees
     * the table's zeroed contents.
     */
    static long readPte(long address) {
        if (PhysicalMemory.isWindow(address)) {
            return PhysicalMemory.readLong(address);
        }
        return (long) LONG.getAcquire(ALL, address);
    }

    static void writePte(long address, long value) {
        LONG.setRelease(ALL, address, value);
    }

    /**
     * Atomically sets bits, as the hardware's locked update of the dirty bit does (not atomic
     * against a client process updating its own tables in a window).
     */
    static void setPteBits(long address, long bits) {
        if (PhysicalMemory.isWindow(address)) {
            PhysicalMemory.writeLong(address, PhysicalMemory.readLong(address) | bits);
            return;
        }
        long unused = (long) LONG.getAndBitwiseOr(ALL, address, bits);
    }

    static void clearPteBits(long address, long bits) {
        if (PhysicalMemory.isWindow(address)) {
            PhysicalMemory.writeLong(address, PhysicalMemory.readLong(address) & ~bits);
            return;
        }
        long unused = (long) LONG.getAndBitwiseAnd(ALL, address, ~bits);
    }
}
