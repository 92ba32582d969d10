package io.jvfio.emulator.pci;

import java.lang.foreign.MemorySegment;

/**
 * The path from a function to memory: every DMA a device does goes through its port, addressed by
 * bus address (IOVA). The emulated IOMMU implements it per requester ID with translation,
 * permission checks and fault reporting.
 *
 * <p>Contract: a transfer is all or nothing. The port checks the whole range before moving a byte;
 * if any part has no translation or lacks the permission, it throws and neither memory nor {@code
 * dst} changes.
 */
public interface DmaPort {
    /** Device reads {@code dst.byteSize()} bytes of memory at {@code iova} into {@code dst}. */
    void read(long iova, MemorySegment dst) throws DmaFaultException;

    /** Device writes {@code src} to memory at {@code iova}. */
    void write(long iova, MemorySegment src) throws DmaFaultException;

    /** No translations at all, as behind an IOMMU blocking domain: every access faults. */
    DmaPort BLOCKED = new DmaPort() {
        @Override
        public void read(long iova, MemorySegment dst) throws DmaFaultException {
            throw new DmaFaultException(iova, false, "DMA blocked (no domain attached)");
        }

        @Override
        public void write(long iova, MemorySegment src) throws DmaFaultException {
            throw new DmaFaultException(iova, true, "DMA blocked (no domain attached)");
        }
    };
}
