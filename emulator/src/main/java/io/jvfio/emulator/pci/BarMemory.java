package io.jvfio.emulator.pci;

import io.jvfio.abi.Linux;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * The memory behind a RAM-backed BAR: pages of a memfd, so that every user mmap of the BAR is a
 * mapping of its own over the same pages. A user who munmaps what vfio-pci gave them then unmaps
 * only their view, never the memory the device model works on. The memfd and the device's view
 * are released when the BAR memory becomes unreachable.
 */
public final class BarMemory {
    private static final Cleaner CLEANER = Cleaner.create();

    private final int memfd;
    private final MemorySegment device;

    private BarMemory(int memfd, MemorySegment device) {
        this.memfd = memfd;
        this.device = device;
    }

    /** {@code size} bytes (a whole number of pages), zeroed. */
    public static BarMemory allocate(long size) {
        if (size <= 0 || size % Linux.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("BAR memory must be whole pages: " + size);
        }
        NativeKernel nk = NativeKernel.instance();
        int fd = nk.memfd("pci-bar", 0);
        MemorySegment view;
        try {
            nk.ftruncate(fd, size);
            view = nk.mmap(size, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.SHARED, fd, 0);
        } catch (RuntimeException e) {
            nk.close(fd);
            throw e;
        }
        BarMemory memory = new BarMemory(fd, view);
        CLEANER.register(memory, new Release(fd, view));
        return memory;
    }

    /** The device model's view of the whole BAR. */
    public MemorySegment segment() {
        return device;
    }

    public long size() {
        return device.byteSize();
    }

    /**
     * The memfd holding the BAR's pages: a user's mmap of the BAR is a shared mapping of its own
     * over it, so their munmap never unmaps the device model's view.
     */
    public int memfd() {
        return memfd;
    }

    private record Release(int memfd, MemorySegment view) implements Runnable {
        @Override
        public void run() {
            NativeKernel nk = NativeKernel.instance();
            nk.munmap(view);
            nk.close(memfd);
        }
    }
}
