package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.dmabuf.DmaBuf;
import io.jvfio.emulator.dmabuf.DmaBufAttachment;
import io.jvfio.emulator.dmabuf.DmaBufExporter;
import io.jvfio.emulator.dmabuf.PhysVec;
import java.util.List;

/**
 * A dma-buf exported by VFIO_DEVICE_FEATURE_DMA_BUF ({@code struct vfio_pci_dma_buf},
 * vfio_pci_dmabuf.c): ranges of one BAR, revoked while the device's memory is unusable (decode
 * off, D3hot, low power, reset) and for good once the device is closed. Only importers that can
 * reach device memory peer to peer and can be revoked may attach.
 */
final class VfioPciDmaBuf implements DmaBufExporter {
    private final List<PhysVec> phys;
    /** The device while it is open; null after close ({@code vfio_pci_dma_buf_cleanup}). */
    volatile VfioPciCoreDevice vdev;

    DmaBuf dmabuf;
    /** Guarded by the buffer's reservation lock. */
    boolean revoked;

    VfioPciDmaBuf(VfioPciCoreDevice vdev, List<PhysVec> phys) {
        this.vdev = vdev;
        this.phys = List.copyOf(phys);
    }

    /** vfio_pci_dma_buf_attach. */
    @Override
    public void attach(DmaBufAttachment attachment) {
        if (!attachment.peer2peer()) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        dmabuf.resv().lock();
        try {
            if (revoked) {
                throw new ErrnoException(Errno.ENODEV);
            }
        } finally {
            dmabuf.resv().unlock();
        }
    }

    /** vfio_pci_dma_buf_iommufd_map: ENODEV while revoked; iommufd takes exactly one range. */
    @Override
    public PhysVec iommufdMap(DmaBufAttachment attachment) {
        if (revoked) {
            throw new ErrnoException(Errno.ENODEV);
        }
        if (phys.size() != 1) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        return phys.getFirst();
    }

    /** vfio_pci_dma_buf_release: leaves the device's list unless the device was closed first. */
    @Override
    public void release(DmaBuf dmabuf) {
        VfioPciCoreDevice dev = vdev;
        if (dev != null) {
            dev.removeDmaBuf(this);
        }
    }

    /**
     * Moves the buffer to {@code revoke} (vfio_pci_dma_buf_move's step for one buffer): importers
     * are invalidated on every change, so a revoke unmaps them and an un-revoke lets new imports in.
     */
    void move(boolean revoke) {
        dmabuf.resv().lock();
        try {
            if (revoked == revoke) {
                return;
            }
            if (revoke) {
                revoked = true;
            }
            dmabuf.invalidateMappings();
            revoked = revoke;
        } finally {
            dmabuf.resv().unlock();
        }
    }
}
