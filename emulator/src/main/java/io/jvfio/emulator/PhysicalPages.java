package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One emulated kernel's physical pages as far as pins go: the FOLL_PIN count of each page
 * ({@code page_ref_count / GUP_PIN_COUNTING_BIAS}), which IOMMU_TEST_OP_MD_CHECK_REFS reads. A
 * page is named by what backs it, as a {@code struct page} is one whatever maps it: shared memory
 * by its file's inode and page offset (a memfd pinned through MAP_FILE and mapped at a user address
 * is the same page), private memory by its address space and user address.
 */
public final class PhysicalPages {
    private static final long PAGE_SIZE = Linux.PAGE_SIZE;

    /** What backs pages: the index of a page is its page offset in the file, or its user page number. */
    public sealed interface Backing {}

    /** A shared file's pages ({@code dev} as major &lt;&lt; 32 | minor). */
    public record Inode(long dev, long ino) implements Backing {}

    /**
     * The private (anonymous or copied-on-write) pages of an address space: one per host process
     * (processes made inside the JVM share its memory, and so its private pages).
     */
    public record Private(AddressSpace space) implements Backing {}

    /** Pages {@code [first, first + count)} of {@code backing}. */
    public record Run(Backing backing, long first, long count) {
        /** The run's pages from {@code offset} on, {@code count} of them. */
        public Run slice(long offset, long count) {
            return new Run(backing, first + offset, count);
        }
    }

    private final Map<Backing, PinMap> pins = new HashMap<>();

    /**
     * The page at physical address {@code pa} (a pinned page's host address: this JVM's memory, or
     * a client's through its window), as GUP would name it.
     */
    public static Run ofPhysical(long pa) {
        AddressSpace space = AddressSpace.ofPhysical(pa);
        return resolve(space, AddressSpace.virtual(pa) & -PAGE_SIZE, PAGE_SIZE, false)
                .getFirst();
    }

    /** Takes one pin on every page of {@code run}. */
    public synchronized void pin(Run run) {
        pins.computeIfAbsent(run.backing, b -> new PinMap()).add(run.first, run.first + run.count - 1);
    }

    /** Drops one pin from every page of {@code run} (each must have one). */
    public synchronized void unpin(Run run) {
        PinMap map = pins.get(run.backing);
        map.remove(run.first, run.first + run.count - 1);
        if (map.isEmpty()) {
            pins.remove(run.backing);
        }
    }

    /** The pin count of page {@code index} of {@code backing}. */
    public synchronized int pinCount(Backing backing, long index) {
        PinMap map = pins.get(backing);
        return map == null ? 0 : map.count(index);
    }

    /** Pages pinned at least once (0 when every pin was dropped). */
    public synchronized long pinnedPages() {
        long n = 0;
        for (PinMap map : pins.values()) {
            n += map.coveredPages();
        }
        return n;
    }

    /**
     * GUP's page lookup for the whole pages of {@code [address, address+length)} in {@code space}:
     * what pin_user_pages checks (every byte mapped and readable, and writable for {@code write},
     * else EFAULT, VMA by VMA), then the pages as runs of their backing. A shared mapping gives its
     * file's pages; any other mapping the address space's private pages (a long-term pin of a
     * private file page copies it first).
     */
    public static List<Run> resolve(AddressSpace space, long address, long length, boolean write) {
        List<Run> runs = new ArrayList<>();
        if (length == 0) {
            return runs;
        }
        long start = address & -PAGE_SIZE;
        long end = address + length; // callers keep address+length below 2^64
        try (ProcMaps.Walk vmas = space.procMaps().walk()) {
            for (long cur = start; Long.compareUnsigned(cur, end) < 0; ) {
                ProcMaps.Vma vma = vmas.covering(cur);
                if (vma == null) {
                    throw new ErrnoException(Errno.EFAULT, null, "pin of unmapped 0x" + Long.toHexString(cur));
                }
                if (!vma.readable() || (write && !vma.writable())) {
                    throw new ErrnoException(Errno.EFAULT, null, "pin of 0x" + Long.toHexString(cur));
                }
                long stop = Long.compareUnsigned(vma.end(), end) < 0 ? vma.end() : end;
                long count = (stop - cur + PAGE_SIZE - 1) / PAGE_SIZE;
                runs.add(
                        vma.shared() && vma.inode() != 0
                                ? new Run(
                                        new Inode(vma.dev(), vma.inode()),
                                        (vma.offset() + (cur - vma.start())) / PAGE_SIZE,
                                        count)
                                : new Run(new Private(space), cur / PAGE_SIZE, count));
                cur += count * PAGE_SIZE;
            }
        }
        return runs;
    }
}
