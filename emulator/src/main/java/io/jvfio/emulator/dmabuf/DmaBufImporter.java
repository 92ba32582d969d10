package io.jvfio.emulator.dmabuf;

/**
 * The importer side of an attachment ({@code struct dma_buf_attach_ops}): whether it can reach
 * device memory peer to peer, and its {@code invalidate_mappings} callback, which an exporter calls
 * (with the reservation lock held) when the buffer moves or is revoked.
 */
public interface DmaBufImporter {
    boolean allowPeer2peer();

    /** The exporter invalidated every mapping; the importer must stop using the buffer before returning. */
    void invalidateMappings(DmaBufAttachment attachment);
}
