package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuHwQueueAlloc;
import io.jvfio.abi.selftest.IommufdTestConst;
import java.lang.foreign.MemorySegment;

/**
 * A HW queue ({@code struct iommufd_hw_queue}, viommu.c) of the mock vIOMMU (rule 32): guest
 * queue memory at {@code nesting_parent_iova} in the vIOMMU's parent IOAS, pinned through an
 * internal access whose pins lock the areas (UNMAP EBUSY until the queue is destroyed). A queue
 * with index {@code i > 0} depends on (holds) queue {@code i - 1}.
 */
final class HwQueue extends IommufdObject {
    private Viommu viommu;
    private IommufdAccess access;
    private long baseAddr;
    private long length;
    /** mock_hw_queue.index, or -1 until registered in the mock vIOMMU. */
    private int index = -1;

    private HwQueue prev;

    private HwQueue() {
        super(ObjectType.HW_QUEUE);
    }

    /**
     * iommufd_hw_queue_alloc_ioctl: EOPNOTSUPP for flags or the DEFAULT type; EINVAL for a zero
     * length; EOVERFLOW if the range wraps; ENOENT for the vIOMMU; EOPNOTSUPP for a type the mock
     * has no queues of; then the pin (ERANGE, ENOENT, EFAULT if the pages are not contiguous) and
     * the mock's index rules (EINVAL at or above the maximum, EEXIST, EIO without the previous).
     */
    static void alloc(Ucmd u) {
        MemorySegment c = u.cmd;
        int type = IommuHwQueueAlloc.TYPE.get(c);
        if (IommuHwQueueAlloc.FLAGS.get(c) != 0 || type == IommuHwQueueAlloc.TYPE_DEFAULT) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        long base = IommuHwQueueAlloc.NESTING_PARENT_IOVA.get(c);
        long len = IommuHwQueueAlloc.LENGTH.get(c);
        if (len == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (Long.compareUnsigned(base + (len - 1), base) < 0) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        Viommu viommu = (Viommu) u.ctx.objects.get(IommuHwQueueAlloc.VIOMMU_ID.get(c), ObjectType.VIOMMU);
        try {
            if (type != IommufdTestConst.IOMMU_HW_QUEUE_TYPE_SELFTEST) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            HwQueue q = new HwQueue();
            u.ctx.objects.allocate(q);
            u.newObj = q;
            long basePa = q.allocPhys(u.ctx, viommu, base, len);
            q.viommu = viommu;
            viommu.incUsers();
            q.baseAddr = base;
            q.length = len;
            q.initPhys(IommuHwQueueAlloc.INDEX.get(c), basePa);
            IommuHwQueueAlloc.OUT_HW_QUEUE_ID.set(c, q.id());
            u.respond();
        } finally {
            u.ctx.put(viommu);
        }
    }

    /**
     * iommufd_hw_queue_alloc_phys: an internal access on the parent IOAS pins the covering pages
     * (read-only pin, areas locked); they must be contiguous. Returns the base's "physical" (host)
     * address.
     */
    private long allocPhys(IommufdCtx ictx, Viommu viommu, long base, long len) {
        long offset = base & (Pages.PAGE_SIZE - 1);
        long aligned = base - offset;
        long total = offset + len;
        if (Long.compareUnsigned(total, offset) < 0 || Long.compareUnsigned(total + Pages.PAGE_SIZE - 1, total) < 0) {
            throw new ErrnoException(Errno.ERANGE);
        }
        long pinLength = (total + Pages.PAGE_SIZE - 1) & -Pages.PAGE_SIZE;
        IommufdAccess acc = IommufdAccess.createInternal(ictx);
        try {
            acc.attachInternal(viommu.hwpt.ioas);
            long[] pages = acc.pinPages(aligned, pinLength, false);
            try {
                for (int i = 1; i < pages.length; i++) {
                    if (pages[i] != pages[i - 1] + Pages.PAGE_SIZE) {
                        throw new ErrnoException(Errno.EFAULT);
                    }
                }
            } catch (RuntimeException e) {
                acc.unpinPages(aligned, pinLength);
                throw e;
            }
            access = acc;
            return pages[0] + offset;
        } catch (RuntimeException e) {
            acc.destroyAccess();
            throw e;
        }
    }

    /** mock_hw_queue_init_phys. */
    private void initPhys(int idx, long basePa) {
        if (Integer.compareUnsigned(idx, IommufdTestConst.IOMMU_TEST_HW_QUEUE_MAX) >= 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        synchronized (viommu.hwQueues) {
            if (viommu.hwQueues[idx] != null) {
                throw new ErrnoException(Errno.EEXIST);
            }
            HwQueue p = null;
            if (idx != 0) {
                p = viommu.hwQueues[idx - 1];
                if (p == null) {
                    throw new ErrnoException(Errno.EIO);
                }
            }
            if (basePa != viommu.hwpt.domain.iovaToPhys(baseAddr)) {
                throw new ErrnoException(Errno.EFAULT);
            }
            if (p != null) {
                p.incUsers();
                prev = p;
            }
            viommu.hwQueues[idx] = this;
            index = idx;
        }
    }

    /** iommufd_hw_queue_destroy (+ mock_hw_queue_destroy): also undoes a partial allocation. */
    @Override
    void destroy() {
        if (index >= 0) {
            synchronized (viommu.hwQueues) {
                viommu.hwQueues[index] = null;
                if (prev != null) {
                    prev.decUsers();
                }
            }
        }
        if (access != null) {
            long offset = baseAddr & (Pages.PAGE_SIZE - 1);
            access.unpinPages(baseAddr - offset, (offset + length + Pages.PAGE_SIZE - 1) & -Pages.PAGE_SIZE);
            access.destroyAccess();
        }
        if (viommu != null) {
            viommu.decUsers();
        }
    }
}
