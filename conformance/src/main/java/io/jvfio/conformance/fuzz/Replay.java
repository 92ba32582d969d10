package io.jvfio.conformance.fuzz;

import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * What the replayers of both modes share: the user memory the operations point into (named
 * symbolically in the log, since its addresses differ between runs), the per-operation arena, and
 * the one-line-per-operation log with errno names.
 */
abstract class Replay {
    static final long PAGE = Linux.PAGE_SIZE;
    /** Pages of each anonymous buffer and of the memfd. */
    static final int BUF_PAGES = 16;

    final Kernel k;
    final Consumer<String> out;
    /** Anonymous read-write buffers, each between unmapped guard pages. */
    final List<MemorySegment> bufs = new ArrayList<>();
    /** Every mapping made, unmapped at the end. */
    private final List<MemorySegment> mappings = new ArrayList<>();

    int memfd = -1;
    /** The memfd mapped shared read-write ({@code mfd}), and a second, 4-page one mapped read-only ({@code mro}). */
    MemorySegment memfdMap;

    MemorySegment memfdRo;
    /** The file offset {@link #memfdMap} starts at (the same on either backend only relative to it). */
    long memfdStart;

    long noAccess;
    /** Where ACCESS_RW and the like copy to and from, never mapped into an IOAS. */
    MemorySegment io;

    Arena arena = Arena.ofConfined();
    SplittableRandom r;
    private int index;

    Replay(Kernel k, Consumer<String> out) {
        this.k = k;
        this.out = out;
    }

    /**
     * Every mapping's address is aligned to this, on either backend: the kernel's automatic IOVA
     * keeps the alignment of the user address (up to the length's power of two), so addresses
     * aligned alike give the same IOVAs.
     */
    private static final long ALIGN = 1L << 20;

    /**
     * Sets up the memory: three buffers, a memfd mapped read-write, a second one mapped read-only,
     * an address nothing is mapped at (a PROT_NONE mapping kept for the run, so nothing else lands
     * there), the I/O buffer.
     */
    void setUpMemory() {
        for (int b = 0; b < 3; b++) {
            bufs.add(guarded(BUF_PAGES));
        }
        io = guarded(4);
        memfd = k.memfd("fuzz", 0);
        memfdStart = window(memfd, BUF_PAGES * PAGE, Linux.Prot.READ | Linux.Prot.WRITE);
        memfdMap = mappings.getLast();
        int ro = k.memfd("fuzz-ro", 0);
        try {
            long start = window(ro, 4 * PAGE, Linux.Prot.READ);
            MemorySegment content = arena.allocate(4 * PAGE, 8);
            fill(content, 5);
            k.pwrite(ro, content, start);
        } finally {
            k.close(ro);
        }
        memfdRo = mappings.getLast();
        noAccess = guarded(1, Linux.Prot.NONE).address();
        for (int b = 0; b < bufs.size(); b++) {
            fill(bufs.get(b), b + 1);
        }
        fill(memfdMap, 7);
        fill(io, 9);
    }

    /**
     * Maps {@code length} bytes of the memfd {@code fd} shared with {@code prot} at an {@link #ALIGN}ed
     * address whose file offset is {@link #ALIGN}ed too (added to {@link #mappings}); returns that
     * offset, {@link #ALIGN}. The offset is logged and its alignment steers IOAS_MAP_FILE's IOVA
     * allocation, so it must not depend on where mmap put the file. mmap takes no address here:
     * the file is mapped larger at an offset that makes the aligned address land on an aligned
     * offset, which holds when the kernel reuses the address it gave last time (as its top-down
     * search does for the same size); it is checked, and retried otherwise.
     */
    private long window(int fd, long length, int prot) {
        long span = 2 * ALIGN;
        k.ftruncate(fd, 4 * ALIGN);
        long guess = 0;
        for (int attempt = 0; attempt < 8; attempt++) {
            // file offset at m + head is offset + head, head = -m mod ALIGN: ALIGN when offset = m mod ALIGN
            long offset = guess == 0 ? ALIGN : guess;
            MemorySegment m = k.mmap(span, prot, Linux.Map.SHARED, fd, offset);
            long head = ((m.address() + ALIGN - 1) & -ALIGN) - m.address();
            if (offset + head != ALIGN) {
                k.munmap(m);
                guess = m.address() & (ALIGN - 1);
                continue;
            }
            if (head > 0) {
                k.munmap(m.asSlice(0, head));
            }
            k.munmap(m.asSlice(head + length, span - head - length));
            k.ftruncate(fd, offset + head + length);
            mappings.add(m.asSlice(head, length));
            return ALIGN;
        }
        throw new IllegalStateException("mmap never placed the memfd where its offset is aligned");
    }

    /** {@code pages} read-write pages at an {@link #ALIGN}ed address with unmapped pages around them. */
    private MemorySegment guarded(int pages) {
        return guarded(pages, Linux.Prot.READ | Linux.Prot.WRITE);
    }

    private MemorySegment guarded(int pages, int prot) {
        long reserve = ALIGN + (pages + 2) * PAGE;
        MemorySegment m = k.mmap(reserve, prot, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        long start = (m.address() + PAGE + ALIGN - 1) & -ALIGN;
        long head = start - m.address();
        k.munmap(m.asSlice(0, head));
        long tail = head + pages * PAGE;
        k.munmap(m.asSlice(tail, reserve - tail));
        MemorySegment inner = m.asSlice(head, pages * PAGE);
        mappings.add(inner);
        return inner;
    }

    /** A deterministic pattern (every page populated, none the zero page). */
    static void fill(MemorySegment m, int salt) {
        for (long i = 0; i < m.byteSize(); i += 8) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, i, (i / 8) * 0x9e3779b97f4a7c15L + salt);
        }
    }

    void tearDownMemory() {
        for (MemorySegment m : mappings) {
            k.munmap(m);
        }
        mappings.clear();
        if (memfd >= 0) {
            k.close(memfd);
        }
    }

    /** Runs {@code op}: its arguments drawn from its seed, one log line with its result. */
    final void step(FuzzProgram.Op op) {
        r = new SplittableRandom(op.argSeed());
        StringBuilder line = new StringBuilder().append(index++).append(' ').append(op.kind());
        try {
            String result = execute(op.kind(), line);
            line.append(" = ").append(result == null ? "0" : result);
        } catch (ErrnoException e) {
            line.append(" = ").append(e.errno().name());
        } catch (RuntimeException e) {
            // Never acceptable from a kernel: a line that matches nothing on the other side.
            line.append(" = EXCEPTION ")
                    .append(e.getClass().getName())
                    .append(": ")
                    .append(e.getMessage());
        } finally {
            arena.close();
            arena = Arena.ofConfined();
        }
        out.accept(line.toString());
    }

    /** Issues operation {@code kind}, appending its arguments to {@code line}; returns its output fields. */
    abstract String execute(String kind, StringBuilder line);

    // ---- argument choice (from r) and their symbolic names -----------------------------------

    /** A user pointer: into a buffer, the memfd mappings or the I/O buffer, or an invalid one. */
    Pointer pointer() {
        int which = r.nextInt(20);
        long offset = pageOffset();
        if (which < 11) {
            int b = which % bufs.size();
            return new Pointer(bufs.get(b).address() + offset, "buf" + b + "+" + hex(offset));
        }
        if (which < 16) {
            return new Pointer(memfdMap.address() + offset, "mfd+" + hex(offset));
        }
        return switch (which) {
            case 16 -> new Pointer(memfdRo.address() + offset % (4 * PAGE), "mro+" + hex(offset % (4 * PAGE)));
            case 17 -> new Pointer(noAccess, "noaccess");
            case 18 -> new Pointer(0, "null");
            default ->
                new Pointer(bufs.get(0).address() + BUF_PAGES * PAGE - PAGE, "buf0+" + hex(BUF_PAGES * PAGE - PAGE));
        };
    }

    record Pointer(long address, String name) {}

    /** An offset into a buffer: mostly whole pages, sometimes a few bytes off. */
    long pageOffset() {
        long off = r.nextInt(BUF_PAGES) * PAGE;
        return r.nextInt(8) == 0 ? off + 8 * r.nextInt(4) + 1 : off;
    }

    /** A length: mostly 1-4 pages, sometimes 0, odd, past a buffer's end or huge. */
    long length() {
        return switch (r.nextInt(16)) {
            case 0 -> 0;
            case 1 -> 1 + r.nextInt(64);
            case 2 -> PAGE + 8;
            case 3 -> (BUF_PAGES + 1) * PAGE;
            case 4 -> -PAGE;
            default -> (1 + r.nextInt(4)) * PAGE;
        };
    }

    /** What a user pointer names in the log, when the value is not one of {@link #pointer}'s. */
    String pointerName(long address) {
        for (int b = 0; b < bufs.size(); b++) {
            long off = address - bufs.get(b).address();
            if (off >= 0 && off < BUF_PAGES * PAGE) {
                return "buf" + b + "+" + hex(off);
            }
        }
        return hex(address);
    }

    /** A checksum of bytes read, for the log (the bytes themselves are the same on both sides). */
    static String crc(MemorySegment s) {
        CRC32 c = new CRC32();
        c.update(s.asByteBuffer());
        return Long.toHexString(c.getValue());
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static <T> T pick(SplittableRandom r, List<T> from, T otherwise) {
        return from.isEmpty() ? otherwise : from.get(r.nextInt(from.size()));
    }
}
