package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An open /dev/iommu (the kernel's main.c): the generic ioctl ladder every IOMMU_* request goes
 * through, IOMMU_DESTROY, IOMMU_OPTION, and teardown on the last close.
 */
public final class IommufdFile extends OpenFile {

    final IommufdCtx ctx;
    private final int tableSize;

    IommufdFile(KernelServices kernel, int flags, boolean vfioContainer) {
        super(flags);
        this.ctx = new IommufdCtx(kernel, vfioContainer);
        ctx.setFile(this);
        this.tableSize = IommufdIoctlTable.size(kernel.config().iommufdTest());
    }

    /**
     * iommufd_fops_ioctl: numbers outside the table go to the VFIO compat handler; then size is
     * read (EFAULT), the slot must hold exactly this request (ENOTTY), size must reach the minimum
     * (EINVAL) and bytes past the kernel's struct must be zero (E2BIG). An object the handler
     * created is published only if the handler succeeded, else destroyed.
     */
    @Override
    public long ioctl(long request, long arg) {
        int nr = (int) (request & 0xff);
        int index = nr - IommufdIoctl.BASE;
        if (index < 0 || index >= tableSize) {
            return VfioCompat.ioctl(ctx, request, arg);
        }
        IommufdIoctlTable.Op op = IommufdIoctlTable.get(index);
        try (Arena arena = Arena.ofConfined()) {
            // One read for size and struct when the whole struct is readable; the exact
            // get_user-then-copy sequence (and its EFAULTs) otherwise.
            MemorySegment head = op == null ? null : tryCopyIn(arg, op.def().size(), arena);
            long size = Integer.toUnsignedLong(
                    head != null ? head.get(ValueLayout.JAVA_INT_UNALIGNED, 0) : UserMemory.getU32(arg));
            if (op == null || op.request() != request) {
                throw new ErrnoException(Errno.ENOIOCTLCMD);
            }
            if (size < op.def().minSize()) {
                throw new ErrnoException(Errno.EINVAL);
            }
            MemorySegment cmd =
                    UserMemory.copyStructFromUser(arg, size, op.def().size(), head, arena);
            Ucmd u = new Ucmd(ctx, arg, size, op.def(), cmd, arena);
            try {
                op.handler().execute(u);
            } catch (RuntimeException e) {
                if (u.newObj != null) {
                    ctx.objects.abort(u.newObj);
                }
                throw e;
            }
            if (u.newObj != null) {
                ctx.publish(u.newObj);
            }
            return u.result;
        }
    }

    /**
     * iommufd_fops_mmap: exactly one region a driver registered, at its offset and length (ENXIO
     * otherwise, or while its object is being destroyed); EINVAL unless MAP_SHARED, EPERM for
     * PROT_EXEC. The mapping holds a users reference on the region's object (DESTROY is EBUSY)
     * and one on this file until it is unmapped.
     */
    @Override
    public MemorySegment mmap(long length, int prot, int mapFlags, long offset) {
        long pageAligned = (length + Linux.PAGE_SIZE - 1) & -Linux.PAGE_SIZE;
        if ((mapFlags & Linux.Map.SHARED) == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((prot & Linux.Prot.EXEC) != 0) {
            throw new ErrnoException(Errno.EPERM);
        }
        MmapTable.Immap immap = ctx.mmaps.get(offset);
        if (immap == null) {
            throw new ErrnoException(Errno.ENXIO);
        }
        try {
            if (offset != immap.offset() || pageAligned != immap.length()) {
                throw new ErrnoException(Errno.ENXIO);
            }
            MemorySegment m = UserMemory.mapFile(immap.hostFd(), 0, pageAligned, prot, mapFlags);
            ctx.kernel.addVma(m, this, immap.owner()::decUsers);
            return m.asSlice(0, length);
        } catch (RuntimeException e) {
            immap.owner().decUsers();
            throw e;
        }
    }

    private static MemorySegment tryCopyIn(long arg, long length, Arena arena) {
        try {
            return UserMemory.copyIn(arg, length, arena);
        } catch (ErrnoException e) {
            return null;
        }
    }

    @Override
    protected void release() {
        ctx.release();
    }

    /**
     * For VFIO_GROUP_SET_CONTAINER with an iommufd: creates the compat IOAS unless one exists; EINVAL
     * in no-IOMMU mode.
     */
    public void createCompatIoas() {
        VfioCompat.compatIoasCreate(ctx);
    }

    /** For VFIO_GROUP_SET_CONTAINER of a no-IOMMU group: EINVAL once a compat IOAS exists. */
    public void setNoIommuMode() {
        ctx.setNoIommuMode();
    }

    /** IOMMU_DESTROY. */
    static void destroy(Ucmd u) {
        u.ctx.destroy(IommuDestroy.ID.get(u.cmd));
    }

    /** IOMMU_OPTION: only {@code val64} is copied back. */
    static void option(Ucmd u) {
        MemorySegment c = u.cmd;
        if (IommuOption.RESERVED.get(c) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        switch (IommuOption.OPTION_ID.get(c)) {
            case IommuOption.RLIMIT_MODE -> rlimitMode(u);
            case IommuOption.HUGE_PAGES -> Ioas.optionHugePages(u);
            default -> throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        MemorySegment val = c.asSlice(IommuOption.VAL64.offset(), 8);
        UserMemory.copyOut(val, u.ubuffer + IommuOption.VAL64.offset(), 8);
    }

    private static void rlimitMode(Ucmd u) {
        MemorySegment c = u.cmd;
        if (IommuOption.OBJECT_ID.get(c) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        int op = IommuOption.OP.get(c);
        if (op == IommuOption.OP_GET) {
            IommuOption.VAL64.set(c, u.ctx.accountMode() == AccountMode.MM ? 1 : 0);
        } else if (op == IommuOption.OP_SET) {
            if (!u.ctx.kernel.currentTask().capSysResource()) {
                throw new ErrnoException(Errno.EPERM);
            }
            u.ctx.setAccountMode(IommuOption.VAL64.get(c));
        } else {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
    }
}
