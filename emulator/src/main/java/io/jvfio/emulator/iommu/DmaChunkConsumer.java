package io.jvfio.emulator.iommu;

import java.lang.foreign.MemorySegment;

/** Receives the host memory of one physically contiguous piece of a translated DMA. */
@FunctionalInterface
public interface DmaChunkConsumer {
    /**
     * @param host the memory behind [iova + offset, iova + offset + host.byteSize()); valid only
     *     during the call; the consumer must not call into the IOMMU or the domain from inside it
     *     (the domain is held for the DMA)
     * @param offset where this piece starts within the transfer
     */
    void accept(MemorySegment host, long offset);
}
