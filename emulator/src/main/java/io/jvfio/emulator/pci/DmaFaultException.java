package io.jvfio.emulator.pci;

/**
 * A DMA the port refused: no translation for the IOVA, a permission the mapping lacks, or bus
 * mastering off. Nothing of the transfer reached memory. Checked on purpose: every device must
 * decide what a failed DMA means to it (an error status, an aborted transfer).
 */
public final class DmaFaultException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long iova;
    private final boolean write;

    public DmaFaultException(long iova, boolean write, String reason) {
        super(String.format("DMA %s at IOVA 0x%x faulted: %s", write ? "write" : "read", iova, reason));
        this.iova = iova;
        this.write = write;
    }

    /** The first IOVA that failed. */
    public long iova() {
        return iova;
    }

    /** Whether the device was writing memory (device to host) rather than reading it. */
    public boolean isWrite() {
        return write;
    }
}
