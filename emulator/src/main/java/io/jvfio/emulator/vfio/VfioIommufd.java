package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.iommufd.IommufdFile;

/**
 * VFIO's side of iommufd (drivers/vfio/iommufd.c): the physical-device bind, attach, replace,
 * detach and unbind, the compatibility IOAS of the group path, and the device-ID lookups the hot
 * reset ioctls need.
 */
final class VfioIommufd {
    /** {@code IOMMU_NO_PASID}. */
    static final int NO_PASID = 0;

    /** An iommufd context as VFIO holds it. */
    record Ctx(IommufdFile file) {}

    private VfioIommufd() {}

    /** {@code iommufd_ctx_from_fd}: EBADF for no file, EBADFD for a file that is not an iommufd. */
    static Ctx ctxFromFd(VfioDevice device, int fd) {
        OpenFile f = device.dev().bus().kernel().fget(fd);
        try {
            Ctx ctx = ctxFromFile(f);
            if (ctx == null) {
                throw new ErrnoException(Errno.EBADFD);
            }
            return ctx;
        } finally {
            f.put();
        }
    }

    /** {@code iommufd_ctx_from_file}: null if {@code f} is not an iommufd. */
    static Ctx ctxFromFile(OpenFile f) {
        return f instanceof IommufdFile i ? new Ctx(i) : null;
    }

    static int bind(VfioDevice device, Ctx ctx) {
        throw pending();
    }

    static void unbind(VfioDevice device) {
        throw pending();
    }

    static int attach(VfioDevice device, int pasid, int ptId) {
        throw pending();
    }

    static void detach(VfioDevice device, int pasid) {
        throw pending();
    }

    static void compatIoasCreate(Ctx ctx) {
        throw pending();
    }

    static void compatSetNoIommu(Ctx ctx) {
        throw pending();
    }

    static boolean hasCompatIoas(Ctx ctx) {
        throw pending();
    }

    static void compatAttachIoas(VfioDevice device, Ctx ctx) {
        throw pending();
    }

    static boolean groupDmaOwnerClaimed(VfioGroup group) {
        return false;
    }

    private static RuntimeException pending() {
        return new ErrnoException(Errno.EOPNOTSUPP);
    }
}
