package io.jvfio.api;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class DmaBufferImpl implements DmaBuffer {
    private final Kernel kernel;
    private final MemorySegment memory;
    private final PageSize pageSize;
    private final Children<AutoCloseable> parent;
    private final Map<Mapping, Ioas> mappings = new LinkedHashMap<>();
    private boolean closed;

    private DmaBufferImpl(Kernel kernel, MemorySegment memory, PageSize pageSize, Children<AutoCloseable> parent) {
        this.kernel = kernel;
        this.memory = memory;
        this.pageSize = pageSize;
        this.parent = parent;
    }

    /** Maps the memory; {@code parent} tracks the result until it is closed. */
    static DmaBufferImpl allocate(Kernel kernel, long size, PageSize pageSize, Children<AutoCloseable> parent) {
        long length = pageSize.roundUp(size);
        String op = "DmaBuffer.allocate(" + length + " bytes, " + pageSize + ")";
        try {
            MemorySegment m = kernel.mmap(
                    length,
                    Linux.Prot.READ | Linux.Prot.WRITE,
                    Linux.Map.PRIVATE | Linux.Map.ANONYMOUS | Linux.Map.POPULATE | pageSize.mmapFlags(),
                    -1,
                    0);
            DmaBufferImpl buffer = new DmaBufferImpl(kernel, m, pageSize, parent);
            parent.add(buffer);
            return buffer;
        } catch (ErrnoException e) {
            if (pageSize.huge()) {
                String pool = "/sys/kernel/mm/hugepages/hugepages-" + pageSize.bytes() / 1024 + "kB";
                // MAP_HUGETLB: ENOMEM when the pool has too few free pages, EINVAL when the system
                // has no pages of that size at all.
                if (e.errno() == Errno.ENOMEM) {
                    throw new JvfioException(
                            op,
                            e,
                            "not enough free " + pageSize + " huge pages: reserve them in " + pool + "/nr_hugepages");
                }
                if (e.errno() == Errno.EINVAL) {
                    throw new JvfioException(
                            op, e, "this system offers no " + pageSize + " huge pages (no " + pool + ")");
                }
            }
            throw Sys.GENERIC.wrap(op, e);
        }
    }

    @Override
    public synchronized MemorySegment segment() {
        checkOpen();
        return memory;
    }

    @Override
    public PageSize pageSize() {
        return pageSize;
    }

    @Override
    public Mapping map(Ioas ioas, DmaAccess access) {
        return record(ioas, ioas.map(segment(), access));
    }

    @Override
    public Mapping map(Ioas ioas, long iova, DmaAccess access) {
        return record(ioas, ioas.map(segment(), iova, access));
    }

    private synchronized Mapping record(Ioas ioas, Mapping m) {
        mappings.put(m, ioas);
        return m;
    }

    @Override
    public synchronized void unmap(Mapping mapping) {
        Ioas ioas = mappings.get(mapping);
        if (ioas == null) {
            throw new IllegalArgumentException(mapping + " is not a live mapping of this buffer");
        }
        unmap(ioas, mapping);
    }

    private void unmap(Ioas ioas, Mapping mapping) {
        mappings.remove(mapping);
        if (ioas instanceof IommufdObject o && !o.isOpen()) {
            return; // the IOAS (or its iommufd) is gone and took the mapping with it
        }
        try {
            ioas.unmap(mapping);
        } catch (IommufdException e) {
            // The user unmapped it through the IOAS already.
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
    }

    @Override
    public synchronized List<Mapping> mappings() {
        mappings.entrySet().removeIf(e -> e.getValue() instanceof IommufdObject o && !o.isOpen());
        return List.copyOf(mappings.keySet());
    }

    @Override
    public long iova() {
        List<Mapping> live = mappings();
        if (live.isEmpty()) {
            throw new IllegalStateException("the buffer is not mapped into any IOAS");
        }
        return live.getFirst().iova();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("DMA buffer is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // Unmap before releasing the memory, so no IOAS keeps pointing at freed pages.
            for (Map.Entry<Mapping, Ioas> e : new ArrayList<>(mappings.entrySet()).reversed()) {
                unmap(e.getValue(), e.getKey());
            }
        } finally {
            parent.remove(this);
            Sys.GENERIC.run("DmaBuffer.close", () -> kernel.munmap(memory));
        }
    }

    @Override
    public String toString() {
        return "DmaBuffer[" + memory.byteSize() + " bytes at " + Sys.hex(memory.address()) + ", " + pageSize + "]";
    }
}
