package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.lang.foreign.MemorySegment;

/**
 * An in-kernel user of an IOAS without an IOMMU ({@code struct iommufd_access}): emulated and
 * mdev-style devices pin IOVA to reach memory, or copy through it with {@link #rw}. Created with
 * {@link #create}, attached to an IOAS, destroyed with {@link #destroyAccess}. An UNMAP over pinned
 * pages calls {@link Ops#unmap}, which must unpin them (rule 13, rule 31).
 */
public final class IommufdAccess extends IommufdObject implements IoptAccess {
    /** {@code struct iommufd_access_ops}. */
    public interface Ops {
        /** The access pins pages (raises the IOAS alignment to PAGE_SIZE). */
        boolean needsPinPages();

        /** [iova, iova+length) is being unmapped: unpin everything pinned inside it before returning. */
        void unmap(long iova, long length);
    }

    final IommufdCtx ictx;
    private final Ops ops;
    /** iommufd_access_create_internal (HW queues): no context reference, pins lock their areas. */
    private final boolean internal;
    /** Set while attached; null blocks new pins (detach or replace in progress, or detached). */
    private volatile Ioas ioas;
    /** Where pins are released: stays the old IOAS while a replace drops the old pins. */
    private volatile Ioas ioasUnpin;

    private IommufdAccess(IommufdCtx ictx, Ops ops, boolean internal) {
        super(ObjectType.ACCESS);
        this.ictx = ictx;
        this.ops = ops;
        this.internal = internal;
    }

    /** The internal accesses' ops: they pin, and locked areas are never unmapped under them. */
    private static final Ops INTERNAL_OPS = new Ops() {
        @Override
        public boolean needsPinPages() {
            return true;
        }

        @Override
        public void unmap(long iova, long length) {}
    };

    /**
     * iommufd_access_create_internal: a published ACCESS object (an ID user space sees, DESTROY
     * EBUSY) that holds no context reference; its pins lock the IOAS areas (UNMAP EBUSY).
     */
    static IommufdAccess createInternal(IommufdCtx ictx) {
        IommufdAccess access = new IommufdAccess(ictx, INTERNAL_OPS, true);
        ictx.objects.allocate(access);
        access.incUsers();
        ictx.publish(access);
        return access;
    }

    /** iommufd_access_attach_internal. */
    synchronized void attachInternal(Ioas target) {
        if (ioas != null) {
            throw new ErrnoException(Errno.EINVAL);
        }
        changeIoas(target);
    }

    /** iommufd_access_create: publishes an ACCESS object ({@link #id()}), holding the context until destroy. */
    public static IommufdAccess create(IommufdCtx ictx, Ops ops) {
        IommufdAccess access = new IommufdAccess(ictx, ops, false);
        ictx.objects.allocate(access);
        access.incUsers(); // the creating driver's reference until destroy
        ictx.get();
        ictx.publish(access);
        return access;
    }

    /** iommufd_access_destroy: detaches (unpinning through the unmap callback) and frees the object. */
    public void destroyAccess() {
        ictx.objects.removeUser(this);
        destroy();
    }

    /** iommufd_access_destroy_object. */
    @Override
    void destroy() {
        detach();
        if (!internal) {
            ictx.put();
        }
    }

    /** iommufd_access_attach: to IOAS {@code ioasId} (ENOENT); EINVAL if attached already. */
    public synchronized void attach(int ioasId) {
        if (ioas != null) {
            throw new ErrnoException(Errno.EINVAL);
        }
        changeIoasId(ioasId);
    }

    /** iommufd_access_replace: moves to another IOAS (ENOENT if not attached); the old pins are dropped via unmap. */
    public synchronized void replace(int ioasId) {
        if (ioas == null) {
            throw new ErrnoException(Errno.ENOENT);
        }
        changeIoasId(ioasId);
    }

    /** iommufd_access_detach. */
    public synchronized void detach() {
        if (ioasUnpin != null) {
            changeIoas(null);
        }
    }

    private void changeIoasId(int id) {
        Ioas target = ictx.getIoas(id);
        try {
            changeIoas(target);
        } finally {
            ictx.put(target);
        }
    }

    /** iommufd_access_change_ioas: the old pins are dropped through the unmap callback. */
    private void changeIoas(Ioas target) {
        Ioas cur = ioasUnpin;
        if (cur == target) {
            return;
        }
        ioas = null;
        if (target != null) {
            try {
                target.iopt.addAccess(this);
            } catch (RuntimeException e) {
                ioas = cur;
                throw e;
            }
            target.incUsers();
        }
        if (cur != null) {
            ops.unmap(0, -1);
            cur.iopt.removeAccess(this);
            cur.decUsers();
        }
        ioas = target;
        ioasUnpin = target;
    }

    /**
     * iommufd_access_pin_pages: pins the pages under [iova, iova+length) and returns their host
     * addresses; EINVAL for a zero length, EOVERFLOW on wrap, ENOENT when detached, then the walk's
     * errors ({@link IoPagetable#pinPages}).
     */
    public long[] pinPages(long iova, long length, boolean write) {
        if (length == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (Long.compareUnsigned(iova + length - 1, iova) < 0) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        Ioas cur = ioas;
        if (cur == null) {
            throw new ErrnoException(Errno.ENOENT);
        }
        return AreaAccess.pinPages(cur.iopt, iova, length, write, internal);
    }

    /** iommufd_access_unpin_pages: releases a pin of {@link #pinPages} with the same range. */
    public void unpinPages(long iova, long length) {
        Ioas cur = ioasUnpin;
        if (cur == null || length == 0) {
            return;
        }
        AreaAccess.unpinPages(cur.iopt, iova, length, internal);
    }

    /**
     * iommufd_access_rw: copies {@code data} to ({@code write}) or from the IOVA range; EINVAL for
     * an empty buffer, EOVERFLOW on wrap, ENOENT when detached or unmapped, EPERM on protection.
     */
    public void rw(long iova, MemorySegment data, boolean write) {
        long length = data.byteSize();
        if (length == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (Long.compareUnsigned(iova + length - 1, iova) < 0) {
            throw new ErrnoException(Errno.EOVERFLOW);
        }
        Ioas cur = ioas;
        if (cur == null) {
            throw new ErrnoException(Errno.ENOENT);
        }
        AreaAccess.rw(cur.iopt, iova, data, write);
    }

    /** iommufd_test_syz_conv_iova, under the access's IOAS lock: 0 while detached. */
    synchronized long syzConvIova(long iova) {
        return ioas == null ? 0 : Selftest.syzConvIova(ioas.iopt, iova);
    }

    @Override
    public long iovaAlignment() {
        return ops.needsPinPages() ? Pages.PAGE_SIZE : 1;
    }

    @Override
    public void notifyUnmap(long iova, long length) {
        ops.unmap(iova, length);
    }
}
