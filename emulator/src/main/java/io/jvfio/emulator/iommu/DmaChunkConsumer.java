package io.jvfio.emulator.iommu;

import java.lang.foreign.MemorySegment;

/** Receives the host memory of one physically contiguous piece of a translated DMA. */
@FunctionalInterface
public interface DmaChunkConsumer {
    /**
     * @param host the memory behind [iova + offset, iova + offset + host.byteSize()); valid only
     *     during the call, and the consumer must not start another DMA or unmap from inside it
     * @param offset where this piece starts within the transfer
     */
    void accept(MemorySegment host, long offset);
}
