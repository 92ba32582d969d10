package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import java.lang.foreign.MemorySegment;

/**
 * VFIO type1 container emulation on /dev/iommu (the kernel's vfio_compat.c): the container ioctls
 * act on the context's compatibility IOAS, set with IOMMU_VFIO_IOAS or created when a VFIO group
 * joins the iommufd.
 */
final class VfioCompat {
    private VfioCompat() {}

    /** IOMMU_VFIO_IOAS: GET/SET/CLEAR the compatibility IOAS; never creates or destroys an IOAS. */
    static void vfioIoas(Ucmd u) {
        MemorySegment c = u.cmd;
        if (IommuVfioIoas.RESERVED.get(c) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        switch (IommuVfioIoas.OP.get(c)) {
            case IommuVfioIoas.GET -> {
                Ioas ioas = u.ctx.getCompatIoas();
                IommuVfioIoas.IOAS_ID.set(c, ioas.id());
                u.ctx.put(ioas);
                u.respond();
            }
            case IommuVfioIoas.SET -> {
                Ioas ioas = u.ctx.getIoas(IommuVfioIoas.IOAS_ID.get(c));
                u.ctx.setCompatIoas(ioas);
                u.ctx.put(ioas);
            }
            case IommuVfioIoas.CLEAR -> u.ctx.setCompatIoas(null);
            default -> throw new ErrnoException(Errno.EOPNOTSUPP);
        }
    }

    /** iommufd_vfio_ioctl: the VFIO container requests; anything else is ENOTTY. */
    static long ioctl(IommufdCtx ctx, long request, long arg) {
        throw new ErrnoException(Errno.ENOIOCTLCMD);
    }
}
