package io.jvfio.emulator.dmabuf;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;

/**
 * The exporter of a dma-buf ({@code struct dma_buf_ops}, the part VFIO and iommufd use). Calls
 * that need the reservation lock are made with it held.
 */
public interface DmaBufExporter {
    /** An importer attaches ({@code ops->attach}); may refuse with an errno. */
    default void attach(DmaBufAttachment attachment) {}

    /** An attachment goes away ({@code ops->detach}). */
    default void detach(DmaBufAttachment attachment) {}

    /** The last reference to the buffer went away ({@code ops->release}). */
    void release(DmaBuf dmabuf);

    /**
     * The temporary private interconnect between an exporter and iommufd (the kernel's
     * {@code iommufd_test_dma_buf_iommufd_map} and {@code vfio_pci_dma_buf_iommufd_map}): the one
     * physical range behind the buffer. EOPNOTSUPP for exporters iommufd cannot import, ENODEV
     * while revoked. Called with the reservation lock held.
     */
    default PhysVec iommufdMap(DmaBufAttachment attachment) {
        throw new ErrnoException(Errno.EOPNOTSUPP);
    }
}
