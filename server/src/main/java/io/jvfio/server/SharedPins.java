package io.jvfio.server;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.PageRuns;
import io.jvfio.emulator.PhysicalPages;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The shared file pages (shmem, memfd, MAP_SHARED files) a client pinned, by the user page they
 * were pinned at, and the way to them once the client has exited. Linux keeps a pinned page alive
 * for its pins; here the page is reached through memory that maps it, and the exited process's
 * memory is gone, so its pinned shared pages are reached through another live client that maps the
 * same file shared (same device, inode and offset in its /proc/PID/maps), as the page's rmap would
 * find it. No privilege is needed: process_vm_readv/writev on a client, as for its own memory. A
 * pinned private page of an exited client has no other way in (docs/differences.md).
 */
final class SharedPins {
    private static final long PAGE_SIZE = Linux.PAGE_SIZE;

    /** The pinned shared pages, by user page number. */
    private final PageRuns runs = new PageRuns();
    /** The mapper last found for each file, so the next copy costs one VMA lookup. */
    private final Map<PhysicalPages.Inode, Mapper> mappers = new HashMap<>();

    /** A live client mapping a file: byte {@code o} of the file is at {@code base + o} in it. */
    private record Mapper(ClientAddressSpace space, long base) {}

    /** The pages from {@code address} on were pinned as {@code run}'s: kept if shared, else forgotten there. */
    synchronized void pinned(long address, PhysicalPages.Run run) {
        long page = address / PAGE_SIZE;
        if (run.backing() instanceof PhysicalPages.Inode) {
            runs.put(page, run);
        } else {
            runs.remove(page, page + run.count() - 1);
        }
    }

    /** No page set pins the client's pages any more. */
    synchronized void clear() {
        runs.clear();
        mappers.clear();
    }

    /**
     * Copies between {@code data} and the exited client's pinned pages from user address {@code
     * address}: EFAULT for a page that was not pinned shared, or that no live client maps.
     */
    synchronized void copy(long address, MemorySegment data, boolean write) {
        for (long done = 0; done < data.byteSize(); ) {
            long at = address + done;
            long chunk = Math.min(data.byteSize() - done, PAGE_SIZE - at % PAGE_SIZE);
            PhysicalPages.Run run = runs.at(at / PAGE_SIZE);
            if (run == null) {
                throw new ErrnoException(Errno.EFAULT, null, "exited process's page 0x" + Long.toHexString(at));
            }
            PhysicalPages.Inode file = (PhysicalPages.Inode) run.backing();
            long offset = run.first() * PAGE_SIZE + at % PAGE_SIZE;
            Mapper m = mapper(file, offset);
            MemorySegment part = data.asSlice(done, chunk);
            if (write) {
                m.space.copyOut(part, m.base + offset, chunk);
            } else {
                m.space.copyIn(m.base + offset, part, chunk);
            }
            done += chunk;
        }
    }

    private Mapper mapper(PhysicalPages.Inode file, long offset) {
        Mapper m = mappers.get(file);
        if (m != null && m.space.sharedAddressOf(file, offset, m.base + offset) == m.base + offset) {
            return m;
        }
        for (ClientAddressSpace space : ClientAddressSpace.liveSpaces()) {
            long at = space.sharedAddressOf(file, offset, -1);
            if (at >= 0) {
                m = new Mapper(space, at - offset);
                mappers.put(file, m);
                return m;
            }
        }
        mappers.remove(file);
        throw new ErrnoException(Errno.EFAULT, null, "no live process maps the pinned page any more");
    }
}
