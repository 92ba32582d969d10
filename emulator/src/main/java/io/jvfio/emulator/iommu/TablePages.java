package io.jvfio.emulator.iommu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * The native pages one domain's I/O page table lives in. Pages come from slabs of one shared arena
 * (closing an arena per page would cost a thread handshake each); a freed page goes back to a free
 * list and everything is released when the domain is freed. Callers hold the domain's lock.
 */
final class TablePages implements AutoCloseable {
    static final long PAGE_SIZE = 4096;
    private static final int PAGES_PER_SLAB = 16;

    private final Arena arena = Arena.ofShared();
    private final ArrayDeque<Long> free = new ArrayDeque<>();
    private int inUse;

    /** A zeroed 4 KiB page, 4 KiB aligned; returns its address. */
    long allocate() {
        if (free.isEmpty()) {
            MemorySegment slab = arena.allocate(PAGE_SIZE * PAGES_PER_SLAB, PAGE_SIZE);
            for (int i = 0; i < PAGES_PER_SLAB; i++) {
                free.add(slab.address() + i * PAGE_SIZE);
            }
        }
        long page = free.poll();
        HostMemory.ALL.asSlice(page, PAGE_SIZE).fill((byte) 0);
        inUse++;
        return page;
    }

    void free(long page) {
        free.push(page);
        inUse--;
    }

    /** Pages currently holding a table. */
    int inUse() {
        return inUse;
    }

    @Override
    public void close() {
        arena.close();
    }
}
