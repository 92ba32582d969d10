package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.PhysicalPages;
import io.jvfio.emulator.UserMemory;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The selftest's access file ({@code struct selftest_access}): an fd owning an {@link
 * IommufdAccess} and the page ranges pinned through it ("items"); closing it unpins everything and
 * destroys the access. The IOMMU_TEST_OP access ops address it by fd.
 */
final class SelftestAccess extends OpenFile implements IommufdAccess.Ops {
    private static final long MAX_LENGTH = 16L << 20;

    private record Item(int id, long iova, long length) {}

    private final boolean needsPin;
    private final List<Item> items = new ArrayList<>();
    private int nextId;
    private IommufdAccess access;

    private SelftestAccess(boolean needsPin) {
        super(Linux.O.RDWR);
        this.needsPin = needsPin;
    }

    @Override
    public boolean needsPinPages() {
        return needsPin;
    }

    /** iommufd_test_access_unmap: unpins every item overlapping the range. */
    @Override
    public synchronized void unmap(long iova, long length) {
        long last = iova + length - 1;
        for (Iterator<Item> it = items.iterator(); it.hasNext(); ) {
            Item item = it.next();
            if (Long.compareUnsigned(iova, item.iova + item.length - 1) > 0
                    || Long.compareUnsigned(last, item.iova) < 0) {
                continue;
            }
            it.remove();
            access.unpinPages(item.iova, item.length);
        }
    }

    @Override
    protected void release() {
        if (access != null) {
            unmap(0, -1);
            access.destroyAccess();
        }
    }

    /** IOMMU_TEST_OP_CREATE_ACCESS: an access attached to IOAS {@code ioasId}, returned as a new fd. */
    static void create(Ucmd u, int ioasId) {
        int flags = IommuTestCmd.CreateAccess.FLAGS.get(u.cmd);
        if ((flags & ~IommufdTestConst.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        SelftestAccess st =
                new SelftestAccess((flags & IommufdTestConst.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES) != 0);
        IommufdAccess access = IommufdAccess.create(u.ctx, st);
        try {
            access.attach(ioasId);
            st.access = access;
            int fd = u.ctx.kernel.installFd(st);
            IommuTestCmd.CreateAccess.OUT_ACCESS_FD.set(u.cmd, fd);
            u.respond();
        } catch (RuntimeException e) {
            access.destroyAccess();
            throw e;
        }
    }

    /** iommufd_access_get: the access file {@code fd} (EBADFD for anything else), with a file reference. */
    static SelftestAccess get(Ucmd u, int fd) {
        OpenFile f;
        try {
            f = u.ctx.kernel.fget(fd);
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.EBADFD);
        }
        if (f instanceof SelftestAccess st) {
            return st;
        }
        f.put();
        throw new ErrnoException(Errno.EBADFD);
    }

    /** IOMMU_TEST_OP_ACCESS_PAGES: pins [iova, iova+length) as a new item; with uptr, checks the pages are uptr's. */
    static void accessPages(Ucmd u, int fd) {
        MemorySegment c = u.cmd;
        long iova = IommuTestCmd.AccessPages.IOVA.get(c);
        long length = IommuTestCmd.AccessPages.LENGTH.get(c);
        long uptr = IommuTestCmd.AccessPages.UPTR.get(c);
        int flags = IommuTestCmd.AccessPages.FLAGS.get(c);
        if (Long.compareUnsigned(length, MAX_LENGTH) > 0) {
            throw new ErrnoException(Errno.ENOMEM);
        }
        if ((flags & ~(IommufdTestConst.MOCK_FLAGS_ACCESS_WRITE | IommufdTestConst.MOCK_FLAGS_ACCESS_SYZ)) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        SelftestAccess st = get(u, fd);
        try {
            if (!st.needsPin) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            if ((flags & IommufdTestConst.MOCK_FLAGS_ACCESS_SYZ) != 0) {
                iova = st.access.syzConvIova(iova);
            }
            synchronized (st) {
                long[] hosts =
                        st.access.pinPages(iova, length, (flags & IommufdTestConst.MOCK_FLAGS_ACCESS_WRITE) != 0);
                try {
                    if (uptr != 0) {
                        checkPages(uptr - (iova & (Pages.PAGE_SIZE - 1)), hosts);
                    }
                    Item item = new Item(st.nextId++, iova, length);
                    st.items.add(item);
                    IommuTestCmd.AccessPages.OUT_ACCESS_PAGES_ID.set(c, item.id);
                    try {
                        u.respond();
                    } catch (RuntimeException e) {
                        st.items.remove(item);
                        throw e;
                    }
                } catch (RuntimeException e) {
                    st.access.unpinPages(iova, length);
                    throw e;
                }
            }
        } finally {
            st.put();
        }
    }

    /**
     * iommufd_test_check_pages: page by page, the user page at {@code uptr} (EFAULT if there is
     * none) must be the pinned page (EBADE otherwise): the same page, not the same address, so a
     * memfd pinned through MAP_FILE matches where the user maps it.
     */
    private static void checkPages(long uptr, long[] hosts) {
        for (long host : hosts) {
            PhysicalPages.Run user = PhysicalPages.resolve(
                            UserMemory.current(), uptr & -Pages.PAGE_SIZE, Pages.PAGE_SIZE, false)
                    .getFirst();
            PhysicalPages.Run pinned = PhysicalPages.ofPhysical(host);
            if (!user.equals(pinned)) {
                throw new ErrnoException(Errno.EBADE);
            }
            uptr += Pages.PAGE_SIZE;
        }
    }

    /** IOMMU_TEST_OP_DESTROY_ACCESS_PAGES: unpins one item (ENOENT if there is none with that ID). */
    static void destroyPages(Ucmd u, int fd) {
        int itemId = IommuTestCmd.DestroyAccessPages.ACCESS_PAGES_ID.get(u.cmd);
        SelftestAccess st = get(u, fd);
        try {
            synchronized (st) {
                for (Iterator<Item> it = st.items.iterator(); it.hasNext(); ) {
                    Item item = it.next();
                    if (item.id == itemId) {
                        it.remove();
                        st.access.unpinPages(item.iova, item.length);
                        return;
                    }
                }
            }
            throw new ErrnoException(Errno.ENOENT);
        } finally {
            st.put();
        }
    }

    /** IOMMU_TEST_OP_ACCESS_RW: iommufd_access_rw between the IOVA range and the user buffer. */
    static void accessRw(Ucmd u, int fd) {
        MemorySegment c = u.cmd;
        long iova = IommuTestCmd.AccessRw.IOVA.get(c);
        long length = IommuTestCmd.AccessRw.LENGTH.get(c);
        long ubuf = IommuTestCmd.AccessRw.UPTR.get(c);
        int flags = IommuTestCmd.AccessRw.FLAGS.get(c);
        if (Long.compareUnsigned(length, MAX_LENGTH) > 0) {
            throw new ErrnoException(Errno.ENOMEM);
        }
        if ((flags
                        & ~(IommufdTestConst.MOCK_ACCESS_RW_WRITE
                                | IommufdTestConst.MOCK_ACCESS_RW_SLOW_PATH
                                | IommufdTestConst.MOCK_FLAGS_ACCESS_SYZ))
                != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        boolean write = (flags & IommufdTestConst.MOCK_ACCESS_RW_WRITE) != 0;
        SelftestAccess st = get(u, fd);
        try {
            MemorySegment tmp = u.arena.allocate(Math.max(1, length)).asSlice(0, length);
            if (write && length != 0) {
                MemorySegment.copy(UserMemory.copyIn(ubuf, length, u.arena), 0, tmp, 0, length);
            }
            if ((flags & IommufdTestConst.MOCK_FLAGS_ACCESS_SYZ) != 0) {
                iova = st.access.syzConvIova(iova);
            }
            st.access.rw(iova, tmp, write);
            if (!write) {
                UserMemory.copyOut(tmp, ubuf, length);
            }
        } finally {
            st.put();
        }
    }

    /** IOMMU_TEST_OP_ACCESS_REPLACE_IOAS. */
    static void replaceIoas(Ucmd u, int fd) {
        SelftestAccess st = get(u, fd);
        try {
            st.access.replace(IommuTestCmd.AccessReplaceIoas.IOAS_ID.get(u.cmd));
        } finally {
            st.put();
        }
    }
}
