package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.emulator.dmabuf.DmaBuf;
import io.jvfio.emulator.dmabuf.DmaBufAttachment;
import io.jvfio.emulator.dmabuf.DmaBufExporter;
import io.jvfio.emulator.dmabuf.PhysVec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The selftest's dma-buf exporter ({@code struct iommufd_test_dma_buf}): a zeroed, page-aligned
 * kernel buffer that iommufd imports through the private interconnect, and that
 * IOMMU_TEST_OP_DMABUF_REVOKE revokes or restores. Devices DMA straight into the buffer.
 */
final class SelftestDmaBuf implements DmaBufExporter {
    /** The largest buffer DMABUF_GET hands out: 512 pages. */
    private static final long MAX_LENGTH = 512 * Pages.PAGE_SIZE;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    /** Guarded by the buffer's reservation lock. */
    private boolean revoked;

    private SelftestDmaBuf(long length) {
        memory = arena.allocate(length, Pages.PAGE_SIZE);
    }

    /** The buffer's memory (for emulator tests that look at what a device wrote). */
    MemorySegment memory() {
        return memory;
    }

    /** iommufd_test_dma_buf_iommufd_map: ENODEV while revoked, else the whole buffer. */
    @Override
    public PhysVec iommufdMap(DmaBufAttachment attachment) {
        if (revoked) {
            throw new ErrnoException(Errno.ENODEV);
        }
        return new PhysVec(memory.address(), memory.byteSize());
    }

    @Override
    public void release(DmaBuf dmabuf) {
        arena.close();
    }

    /**
     * IOMMU_TEST_OP_DMABUF_GET: a buffer of {@code length} rounded up to PAGE_SIZE (EINVAL for 0 or
     * more than 512 pages); the new fd is the ioctl's return value.
     */
    static void get(Ucmd u) {
        long length = Integer.toUnsignedLong(IommuTestCmd.DmabufGet.LENGTH.get(u.cmd));
        length = (length + Pages.PAGE_SIZE - 1) & -Pages.PAGE_SIZE;
        if (length == 0 || length > MAX_LENGTH) {
            throw new ErrnoException(Errno.EINVAL);
        }
        u.ctx.kernel.faults().point("iommufd_test_dmabuf_get");
        SelftestDmaBuf priv = new SelftestDmaBuf(length);
        DmaBuf dmabuf;
        try {
            dmabuf = DmaBuf.export(u.ctx.kernel, length, IommuTestCmd.DmabufGet.OPEN_FLAGS.get(u.cmd), priv);
        } catch (RuntimeException e) {
            priv.arena.close();
            throw e;
        }
        u.result = u.ctx.kernel.installFd(dmabuf);
    }

    /**
     * IOMMU_TEST_OP_DMABUF_REVOKE: sets the revoked state and invalidates every importer (which
     * for iommufd revokes its mapping even when {@code revoked} is 0). EBADF/EINVAL for an fd that is
     * not a dma-buf, EOPNOTSUPP for another exporter's buffer.
     */
    static void revoke(Ucmd u) {
        DmaBuf dmabuf = DmaBuf.get(u.ctx.kernel, IommuTestCmd.DmabufRevoke.DMABUF_FD.get(u.cmd));
        try {
            if (!(dmabuf.exporter() instanceof SelftestDmaBuf priv)) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            dmabuf.resv().lock();
            try {
                priv.revoked = IommuTestCmd.DmabufRevoke.REVOKED.get(u.cmd) != 0;
                dmabuf.invalidateMappings();
            } finally {
                dmabuf.resv().unlock();
            }
        } finally {
            dmabuf.put();
        }
    }
}
