package io.jvfio.emulator.vfio.mdev;

import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.iommufd.IommufdAccess;
import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.DmaPort;
import java.lang.foreign.MemorySegment;

/**
 * DMA for a device without an IOMMU domain (an mdev): each transfer is a copy through the
 * device's iommufd access object ({@code vfio_dma_rw} → {@code iommufd_access_rw}), so it reaches
 * exactly what the user mapped in the attached IOAS. A failed copy is the device's DMA fault.
 */
public final class AccessDmaPort implements DmaPort {
    private final IommufdAccess access;

    public AccessDmaPort(IommufdAccess access) {
        this.access = access;
    }

    @Override
    public void read(long iova, MemorySegment dst) throws DmaFaultException {
        rw(iova, dst, false);
    }

    @Override
    public void write(long iova, MemorySegment src) throws DmaFaultException {
        rw(iova, src, true);
    }

    private void rw(long iova, MemorySegment data, boolean write) throws DmaFaultException {
        try {
            access.rw(iova, data, write);
        } catch (ErrnoException e) {
            throw new DmaFaultException(iova, write, "iommufd_access_rw: " + e.errno());
        }
    }
}
