package io.jvfio.emulator.iommu;

import io.jvfio.emulator.pci.Bar;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.TreeMap;
import java.util.WeakHashMap;

/**
 * Physical addresses for BARs whose registers a device model serves, so that an IOMMU can map
 * them and another device's DMA reaches them peer to peer (a vfio-pci dma-buf imported by
 * iommufd). RAM-backed BARs need none: their memory has a host address. These addresses lie above
 * every user address of x86-64 (2^47) and within the 52 bits an I/O PTE holds, so they never alias
 * memory; DMA to them becomes BAR reads and writes of naturally aligned 1, 2 or 4 bytes, as
 * vfio-pci's region accesses are.
 */
public final class PeerMmio {
    static final long BASE = 1L << 48;

    private static final Map<Bar, Long> ADDRESSES = new WeakHashMap<>();
    private static final TreeMap<Long, WeakReference<Bar>> WINDOWS = new TreeMap<>();
    private static long next = BASE;

    private PeerMmio() {}

    /** The physical address of {@code bar}'s first byte, assigned on first use, aligned to its size. */
    public static synchronized long addressOf(Bar bar) {
        Long known = ADDRESSES.get(bar);
        if (known != null) {
            return known;
        }
        long align = Math.max(bar.size(), 4096);
        long start = (next + align - 1) & -align;
        next = start + align;
        ADDRESSES.put(bar, start);
        WINDOWS.put(start, new WeakReference<>(bar));
        return start;
    }

    /** Whether {@code pa} is a peer BAR address rather than memory. */
    static boolean contains(long pa) {
        return Long.compareUnsigned(pa, BASE) >= 0;
    }

    private static synchronized Bar barAt(long pa, long n) {
        Map.Entry<Long, WeakReference<Bar>> e = WINDOWS.floorEntry(pa);
        Bar bar = e == null ? null : e.getValue().get();
        if (bar == null || pa - e.getKey() + n > bar.size()) {
            throw new IllegalStateException("DMA to 0x" + Long.toHexString(pa) + " reaches no BAR");
        }
        return bar;
    }

    /** One physically contiguous piece of a DMA at a peer BAR; the same contract as host memory moves. */
    static void move(long pa, long offset, long n, Access access, MemorySegment buffer, DmaChunkConsumer consumer) {
        Bar bar = barAt(pa, n);
        long barOffset = pa - addressOf(bar);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bounce = arena.allocate(n);
            if (access == Access.READ) {
                for (long done = 0; done < n; ) {
                    int size = accessSize(barOffset + done, n - done);
                    long v = bar.read(barOffset + done, size);
                    for (int i = 0; i < size; i++) {
                        bounce.set(ValueLayout.JAVA_BYTE, done + i, (byte) (v >>> (8 * i)));
                    }
                    done += size;
                }
                if (consumer != null) {
                    consumer.accept(bounce, offset);
                } else {
                    MemorySegment.copy(bounce, 0, buffer, offset, n);
                }
                return;
            }
            if (consumer != null) {
                consumer.accept(bounce, offset);
            } else {
                MemorySegment.copy(buffer, offset, bounce, 0, n);
            }
            for (long done = 0; done < n; ) {
                int size = accessSize(barOffset + done, n - done);
                long v = 0;
                for (int i = 0; i < size; i++) {
                    v |= (bounce.get(ValueLayout.JAVA_BYTE, done + i) & 0xffL) << (8 * i);
                }
                bar.write(barOffset + done, size, v);
                done += size;
            }
        }
    }

    private static int accessSize(long at, long left) {
        return left >= 4 && at % 4 == 0 ? 4 : left >= 2 && at % 2 == 0 ? 2 : 1;
    }
}
