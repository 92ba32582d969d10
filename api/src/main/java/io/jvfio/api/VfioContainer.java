package io.jvfio.api;

import io.jvfio.abi.vfio.VfioConst;
import java.lang.foreign.MemorySegment;

/**
 * The legacy VFIO container (/dev/vfio/vfio): after a group joined it and {@link #setIommu} chose
 * the type1 backend, maps user memory at fixed IOVAs for all its groups' devices.
 */
public sealed interface VfioContainer extends AutoCloseable permits VfioContainerImpl {
    /** VFIO_TYPE1v2_IOMMU, the usual {@link #setIommu} argument. */
    int TYPE1V2 = VfioConst.VFIO_TYPE1v2_IOMMU;

    int fd();

    /** VFIO_GET_API_VERSION (0). */
    int apiVersion();

    /** VFIO_CHECK_EXTENSION. */
    boolean checkExtension(int extension);

    /** VFIO_SET_IOMMU. */
    void setIommu(int type);

    /** VFIO_IOMMU_MAP_DMA; the mapping's {@code ioasId} is 0 (a container has no visible IOAS). */
    Mapping mapDma(MemorySegment memory, long iova, DmaAccess access);

    /** VFIO_IOMMU_UNMAP_DMA; returns the bytes unmapped (unmapping nothing is not an error here). */
    long unmapDma(long iova, long length);

    /** Unmaps everything (VFIO_DMA_UNMAP_FLAG_ALL). */
    long unmapAllDma();

    @Override
    void close();
}
