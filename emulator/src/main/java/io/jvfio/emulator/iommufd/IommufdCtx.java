package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.EmulatedKernel;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One open /dev/iommu ({@code struct iommufd_ctx}): the object table, the accounting mode and the
 * VFIO compatibility IOAS.
 */
final class IommufdCtx {
    final EmulatedKernel kernel;
    final ObjectTable objects;
    /** Held for reading while an IOAS is published, for writing by CHANGE_PROCESS (which locks every IOAS). */
    final ReentrantReadWriteLock ioasCreationLock = new ReentrantReadWriteLock();

    private volatile AccountMode accountMode;
    private Ioas vfioIoas;
    private boolean noIommuMode;

    IommufdCtx(EmulatedKernel kernel, boolean vfioContainer) {
        this.kernel = kernel;
        this.objects = new ObjectTable(kernel.faults());
        // Opened as /dev/vfio/vfio, iommufd charges like VFIO type1 does: to the process.
        this.accountMode = vfioContainer ? AccountMode.MM : AccountMode.USER;
    }

    AccountMode accountMode() {
        return accountMode;
    }

    /** IOMMU_OPTION_RLIMIT_MODE SET: only while the context holds no object (EBUSY); 0 user, 1 mm. */
    void setAccountMode(long val) {
        synchronized (objects) {
            if (!objects.isEmpty()) {
                throw new ErrnoException(Errno.EBUSY);
            }
            if (val != 0 && val != 1) {
                throw new ErrnoException(Errno.EINVAL);
            }
            accountMode = val == 0 ? AccountMode.USER : AccountMode.MM;
        }
    }

    /** iommufd_get_ioas: the IOAS {@code id} with a reference (ENOENT if none); release with {@link #put}. */
    Ioas getIoas(int id) {
        return (Ioas) objects.get(id, ObjectType.IOAS);
    }

    void put(IommufdObject obj) {
        obj.decUsers();
    }

    /** Makes an object created by a successful ioctl findable (iommufd_object_finalize). */
    void publish(IommufdObject obj) {
        if (obj instanceof Ioas) {
            ioasCreationLock.readLock().lock();
            try {
                objects.publish(obj);
            } finally {
                ioasCreationLock.readLock().unlock();
            }
        } else {
            objects.publish(obj);
        }
    }

    /** get_compat_ioas: the compat IOAS with a reference, ENODEV if none. */
    Ioas getCompatIoas() {
        synchronized (objects) {
            if (vfioIoas == null) {
                throw new ErrnoException(Errno.ENODEV);
            }
            return getIoas(vfioIoas.id());
        }
    }

    void setCompatIoas(Ioas ioas) {
        synchronized (objects) {
            vfioIoas = ioas;
        }
    }

    boolean hasCompatIoas() {
        synchronized (objects) {
            return vfioIoas != null;
        }
    }

    /** iommufd_vfio_compat_set_no_iommu (VFIO group of a no-IOMMU device): EINVAL once a compat IOAS exists. */
    void setNoIommuMode() {
        synchronized (objects) {
            if (vfioIoas != null) {
                throw new ErrnoException(Errno.EINVAL);
            }
            noIommuMode = true;
        }
    }

    boolean noIommuMode() {
        synchronized (objects) {
            return noIommuMode;
        }
    }

    /** IOMMU_DESTROY of any object. */
    void destroy(int id) {
        IommufdObject obj;
        synchronized (objects) {
            obj = objects.remove(id);
            if (obj == vfioIoas) {
                vfioIoas = null;
            }
        }
        obj.destroy();
    }

    /** The iommufd was closed: destroys leaves until nothing is left, releasing every pin before returning. */
    void release() {
        while (true) {
            List<IommufdObject> leaves;
            synchronized (objects) {
                leaves = objects.takeLeaves();
                if (leaves.contains(vfioIoas)) {
                    vfioIoas = null;
                }
            }
            if (leaves.isEmpty()) {
                if (!objects.objects().isEmpty()) {
                    throw new IllegalStateException("iommufd objects left with users: " + objects.objects());
                }
                return;
            }
            for (IommufdObject obj : leaves) {
                obj.destroy();
            }
        }
    }
}
