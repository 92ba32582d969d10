package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommu.Iommu;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One open /dev/iommu ({@code struct iommufd_ctx}): the object table, the accounting mode and the
 * VFIO compatibility IOAS. Public for the in-kernel API (include/linux/iommufd.h) that VFIO uses:
 * {@link #fromFd}, {@link IommufdDevice#bind}, {@link IommufdAccess#create} and the VFIO compat
 * helpers here.
 */
public final class IommufdCtx {
    final KernelServices kernel;
    final ObjectTable objects;
    final MmapTable mmaps;
    /** iommufd_group per IOMMU group with a bound device ({@code ictx->groups}). */
    final Map<Group, IommufdGroup> groups = new HashMap<>();

    private IommufdFile file;
    private Iommu mockIommu;
    /** Held for reading while an IOAS is published, for writing by CHANGE_PROCESS (which locks every IOAS). */
    final ReentrantReadWriteLock ioasCreationLock = new ReentrantReadWriteLock();

    private volatile AccountMode accountMode;
    private Ioas vfioIoas;
    private boolean noIommuMode;

    IommufdCtx(KernelServices kernel, boolean vfioContainer) {
        this.kernel = kernel;
        this.objects = new ObjectTable(kernel.faults());
        this.mmaps = new MmapTable(kernel.faults());
        // Opened as /dev/vfio/vfio, iommufd charges like VFIO type1 does: to the process.
        this.accountMode = vfioContainer ? AccountMode.MM : AccountMode.USER;
    }

    /**
     * The selftest's mock IOMMU unit behind this context's mock devices (the kernel has one per
     * module; one per context keeps contexts independent, and no check crosses contexts).
     */
    synchronized Iommu mockIommu() {
        if (mockIommu == null) {
            mockIommu = Iommu.create("mock", List.of());
        }
        return mockIommu;
    }

    void setFile(IommufdFile file) {
        this.file = file;
    }

    /**
     * iommufd_ctx_from_fd: the context of an open /dev/iommu (or iommufd-backed /dev/vfio/vfio),
     * holding a reference on its file until {@link #put()}. EBADF for no file, EBADFD for another
     * kind of file.
     */
    public static IommufdCtx fromFd(KernelServices kernel, int fd) {
        OpenFile f = kernel.fget(fd);
        if (f instanceof IommufdFile iommufd) {
            return iommufd.ctx;
        }
        f.put();
        throw new ErrnoException(Errno.EBADFD);
    }

    /** iommufd_ctx_get: another reference on the context's file. */
    public IommufdCtx get() {
        file.get();
        return this;
    }

    /** iommufd_ctx_put. */
    public void put() {
        file.put();
    }

    /** iommufd_ctx_has_group: whether a device of {@code group} is bound to this context. */
    public boolean hasGroup(Group group) {
        synchronized (groups) {
            return groups.containsKey(group);
        }
    }

    /**
     * iommufd_vfio_compat_ioas_create (VFIO_GROUP_SET_CONTAINER with an iommufd): creates the compat
     * IOAS unless one exists; EINVAL in no-IOMMU mode.
     */
    public void vfioCompatIoasCreate() {
        VfioCompat.compatIoasCreate(this);
    }

    /** iommufd_vfio_compat_ioas_get_id: the compat IOAS's ID (ENODEV if none), for {@link IommufdDevice#attach}. */
    public int vfioCompatIoasGetId() {
        Ioas ioas = getCompatIoas();
        put(ioas);
        return ioas.id();
    }

    /** iommufd_vfio_compat_set_no_iommu: EINVAL once a compat IOAS exists. */
    public void vfioCompatSetNoIommu() {
        setNoIommuMode();
    }

    /**
     * iommufd_object_put_and_try_destroy: drops a reference and destroys the object if the table's
     * is the last one left (an automatic HWPT whose last device went away).
     */
    void putAndTryDestroy(IommufdObject obj) {
        if (objects.putAndTryRemove(obj)) {
            obj.destroy();
        }
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
