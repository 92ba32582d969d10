package io.jvfio.emulator.iommu;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.kernel.nativeimpl.ProcessMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The emulated machine's physical address space. Below 2^47 it is this JVM's memory, addressed by
 * virtual address (what {@link HostMemory} touches directly). Above, each window of 2^47 bytes is
 * the memory of another host process (a client of {@code jvfio run}) whose pages are pinned:
 * physical address {@code window | va} is byte {@code va} of that process, reached with
 * process_vm_readv/writev. So page tables hold one kind of address whoever owns the page, and a
 * device's DMA reaches a client's memory as it reaches ours. x86 page-table entries carry 52
 * address bits: 31 windows.
 */
public final class PhysicalMemory {
    /** Another process's memory, reached by address in it. */
    public interface Window {
        /** Reads [va, va+n) into {@code dst} at {@code offset}; EFAULT if the memory is gone. */
        void read(long va, MemorySegment dst, long offset, long n);

        /** Writes {@code src} [offset, offset+n) to [va, va+n); EFAULT if the memory is gone. */
        void write(MemorySegment src, long offset, long va, long n);
    }

    private static final int SHIFT = 47;
    private static final long VA_MASK = (1L << SHIFT) - 1;
    private static final Window[] WINDOWS = new Window[32];

    private PhysicalMemory() {}

    /** Gives {@code window} a physical window; returns its base. ENOMEM when all are taken. */
    public static synchronized long attach(Window window) {
        for (int i = 1; i < WINDOWS.length; i++) {
            if (WINDOWS[i] == null) {
                WINDOWS[i] = window;
                return (long) i << SHIFT;
            }
        }
        throw new ErrnoException(Errno.ENOMEM, null, "no physical window left for another process");
    }

    /** Releases the window at {@code base}: nothing may map its pages any more. */
    public static synchronized void detach(long base) {
        WINDOWS[(int) (base >>> SHIFT)] = null;
    }

    /** Whether {@code pa} lies in another process's window. */
    public static boolean isWindow(long pa) {
        return (pa >>> SHIFT) != 0;
    }

    /** The address in its process of window address {@code pa} (or {@code pa} itself, ours). */
    public static long virtual(long pa) {
        return pa & VA_MASK;
    }

    /** The process memory behind window address {@code pa}; EFAULT if none. */
    public static synchronized Window window(long pa) {
        Window w = WINDOWS[(int) ((pa >>> SHIFT) & (WINDOWS.length - 1))];
        if (w == null) {
            throw new ErrnoException(Errno.EFAULT, null, "no memory at physical 0x" + Long.toHexString(pa));
        }
        return w;
    }

    /** Checked read of [pa, pa+n): EFAULT where nothing is mapped (the page went away). */
    public static void read(long pa, MemorySegment dst, long offset, long n) {
        if (isWindow(pa)) {
            window(pa).read(pa & VA_MASK, dst, offset, n);
        } else {
            ProcessMemory.copyIn(pa, dst.asSlice(offset, n), n);
        }
    }

    /** Checked write of [pa, pa+n). */
    public static void write(MemorySegment src, long offset, long pa, long n) {
        if (isWindow(pa)) {
            window(pa).write(src, offset, pa & VA_MASK, n);
        } else {
            ProcessMemory.copyOut(src.asSlice(offset, n), pa, n);
        }
    }

    /**
     * A DMA's piece in another process's window: a device read of memory that is gone reads
     * zeros, a write to it is lost, as with a page nobody can see any more.
     */
    static void dmaRead(long pa, MemorySegment dst, long offset, long n) {
        try {
            read(pa, dst, offset, n);
        } catch (ErrnoException e) {
            dst.asSlice(offset, n).fill((byte) 0);
        }
    }

    static void dmaWrite(MemorySegment src, long offset, long pa, long n) {
        try {
            write(src, offset, pa, n);
        } catch (ErrnoException e) {
            // the process is gone: nobody can observe the write
        }
    }

    /** A page-table entry in another process's memory (a nested first stage it owns). */
    static long readLong(long pa) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(8, 8);
            dmaRead(pa, s, 0, 8);
            return s.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    static void writeLong(long pa, long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(8, 8);
            s.set(ValueLayout.JAVA_LONG, 0, value);
            dmaWrite(s, 0, pa, 8);
        }
    }
}
