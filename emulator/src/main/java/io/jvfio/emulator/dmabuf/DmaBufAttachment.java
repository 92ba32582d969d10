package io.jvfio.emulator.dmabuf;

/**
 * One importer's attachment to a dma-buf ({@code struct dma_buf_attachment}), created by {@link
 * DmaBuf#dynamicAttach} and ended by {@link DmaBuf#detach}.
 */
public final class DmaBufAttachment {
    private final DmaBuf dmabuf;
    private final DmaBufImporter importer;

    DmaBufAttachment(DmaBuf dmabuf, DmaBufImporter importer) {
        this.dmabuf = dmabuf;
        this.importer = importer;
    }

    public DmaBuf dmabuf() {
        return dmabuf;
    }

    public DmaBufImporter importer() {
        return importer;
    }

    /** {@code attach->peer2peer}: the importer can reach device memory (BARs) directly. */
    public boolean peer2peer() {
        return importer.allowPeer2peer();
    }
}
