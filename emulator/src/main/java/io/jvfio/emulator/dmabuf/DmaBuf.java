package io.jvfio.emulator.dmabuf;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.kernel.FileStat;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A dma-buf ({@code struct dma_buf}) and its file: the file's reference count is the buffer's
 * ({@code dma_buf_get}/{@code dma_buf_put} are fget/fput), and the exporter's release runs when the
 * last reference goes. Importers attach with {@link #dynamicAttach}; the exporter revokes them all
 * with {@link #invalidateMappings} under the reservation lock ({@code dma_resv}), which {@link
 * #resv()} exposes.
 *
 * <p>The file supports none of dma-buf's own operations beyond close and poll (always ready: no
 * fences are modelled); read/write/mmap answer as the kernel does for a buffer without them.
 */
public final class DmaBuf extends OpenFile {
    private final long size;
    private final DmaBufExporter exporter;
    private final ReentrantLock resv = new ReentrantLock();
    /** Guarded by {@link #resv}. */
    private final List<DmaBufAttachment> attachments = new ArrayList<>();

    private DmaBuf(long size, int flags, DmaBufExporter exporter) {
        super(flags & (Linux.O.ACCMODE | Linux.O.NONBLOCK));
        this.size = size;
        this.exporter = exporter;
    }

    /** dma_buf_export: a new buffer of {@code size} bytes holding one reference (for the fd). */
    public static DmaBuf export(KernelServices kernel, long size, int flags, DmaBufExporter exporter) {
        kernel.faults().point("dma_buf_export");
        return new DmaBuf(size, flags, exporter);
    }

    /** dma_buf_get: the buffer behind {@code fd} with a reference; EBADF if no file, EINVAL if not a dma-buf. */
    public static DmaBuf get(KernelServices kernel, int fd) {
        OpenFile f = kernel.fget(fd);
        if (f instanceof DmaBuf d) {
            return d;
        }
        f.put();
        throw new ErrnoException(Errno.EINVAL);
    }

    /** The dma-buf pseudo filesystem's inode: an anonymous one (0600, no file type) of the buffer's size. */
    @Override
    public FileStat getattr() {
        return new FileStat(ANON_INODE.mode(), 0, size);
    }

    public long size() {
        return size;
    }

    public DmaBufExporter exporter() {
        return exporter;
    }

    /** The reservation lock, held around pin/map/invalidate and the exporter's state changes. */
    public ReentrantLock resv() {
        return resv;
    }

    /** dma_buf_dynamic_attach: the exporter may refuse (its errno); otherwise the attachment is listed. */
    public DmaBufAttachment dynamicAttach(KernelServices kernel, DmaBufImporter importer) {
        kernel.faults().point("dma_buf_dynamic_attach");
        DmaBufAttachment attachment = new DmaBufAttachment(this, importer);
        exporter.attach(attachment);
        resv.lock();
        try {
            attachments.add(attachment);
        } finally {
            resv.unlock();
        }
        return attachment;
    }

    /** dma_buf_detach. */
    public void detach(DmaBufAttachment attachment) {
        resv.lock();
        try {
            attachments.remove(attachment);
        } finally {
            resv.unlock();
        }
        exporter.detach(attachment);
    }

    /** Attachments currently listed (for tests and leak checks). */
    public int attachmentCount() {
        resv.lock();
        try {
            return attachments.size();
        } finally {
            resv.unlock();
        }
    }

    /**
     * dma_buf_invalidate_mappings: every importer's invalidate callback, in attach order; the
     * caller (the exporter) holds the reservation lock.
     */
    public void invalidateMappings() {
        if (!resv.isHeldByCurrentThread()) {
            throw new IllegalStateException("dma_buf_invalidate_mappings without the reservation lock");
        }
        for (DmaBufAttachment a : List.copyOf(attachments)) {
            a.importer().invalidateMappings(a);
        }
    }

    /** No {@code mmap} op in the exporters modelled: dma_buf_mmap_internal's EINVAL. */
    @Override
    public MemorySegment mmap(long length, int prot, int mapFlags, long offset) {
        throw new ErrnoException(Errno.EINVAL);
    }

    @Override
    protected void release() {
        exporter.release(this);
    }
}
