package io.jvfio.emulator.vfio.pci;

import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.pci.Bar;
import io.jvfio.emulator.vfio.Virqfd;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * One VFIO_DEVICE_IOEVENTFD registration (the kernel's {@code struct vfio_pci_ioeventfd}): each
 * signal of the eventfd writes {@code data} ({@code count} bytes) at {@code pos} of a BAR. A memory
 * BAR's write is dropped while the user's memory decode is off or the function is in D3hot.
 * Closing the eventfd stops the writes but keeps the registration until fd -1 or close.
 */
final class VfioPciIoeventfd {
    private final VfioPciCoreDevice vdev;
    private final Bar bar;
    private final long pos;
    private final long data;
    private final int count;
    private final boolean testMem;
    private final AtomicReference<Virqfd> virqfd = new AtomicReference<>();

    VfioPciIoeventfd(VfioPciCoreDevice vdev, Bar bar, long pos, long data, int count) {
        this.vdev = vdev;
        this.bar = bar;
        this.pos = pos;
        this.data = data;
        this.count = count;
        this.testMem = bar.type() != Bar.Type.IO;
    }

    boolean matches(int barIndex, long pos, long data, int count) {
        return bar.index() == barIndex && this.pos == pos && this.data == data && this.count == count;
    }

    void enable(IntFunction<OpenFile> fget, int fd) {
        Virqfd.enable(fget, fd, this::write, null, virqfd);
    }

    void disable() {
        Virqfd.disable(virqfd);
    }

    /** vfio_pci_ioeventfd_handler: the write, or nothing while memory is off; never a thread. */
    private boolean write() {
        if (!testMem || vdev.memoryEnabled()) {
            bar.write(pos, count, data & ((1L << (8 * count)) - 1));
        }
        return false;
    }
}
