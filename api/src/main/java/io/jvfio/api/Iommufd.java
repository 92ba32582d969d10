package io.jvfio.api;

import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * An open /dev/iommu: the context owning IOAS, HWPT and device objects. Closing it destroys every
 * object in it; the {@link Ioas} and {@link Hwpt} handles it gave out become closed.
 */
public sealed interface Iommufd extends AutoCloseable permits IommufdImpl {
    /** The open file descriptor (e.g. for VFIO_GROUP_SET_CONTAINER). */
    int fd();

    /** A new, empty IOAS. */
    Ioas allocIoas();

    /**
     * A paging HWPT for device object {@code devId} (see {@link VfioDevice#devId()}) on {@code ioas};
     * it joins the IOAS at once.
     */
    Hwpt allocPagingHwpt(int devId, Ioas ioas, Set<HwptFlag> flags);

    /**
     * A nested HWPT on {@code parent} (allocated with {@link HwptFlag#NEST_PARENT}) whose stage-1
     * table is described by driver {@code dataType}'s {@code data}.
     */
    Hwpt allocNestedHwpt(int devId, Hwpt parent, Set<HwptFlag> flags, int dataType, MemorySegment data);

    /** What the IOMMU behind device object {@code devId} is and can do. */
    HwInfo hwInfo(int devId);

    /** Destroys any object by ID (IOMMU_DESTROY); prefer closing the handle. */
    void destroy(int id);

    /** The global accounting mode. */
    RlimitMode rlimitMode();

    /** Sets the accounting mode: needs CAP_SYS_RESOURCE and an iommufd without objects. */
    void setRlimitMode(RlimitMode mode);

    @Override
    void close();
}
