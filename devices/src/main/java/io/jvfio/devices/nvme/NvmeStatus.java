package io.jvfio.devices.nvme;

/**
 * Completion status values as QEMU's controller reports them: Status Code Type in bits 10:8, Status
 * Code in 7:0, Do Not Retry in bit 14 (the CQE carries them shifted left by one, above the phase).
 */
final class NvmeStatus {
    private NvmeStatus() {}

    static final int SUCCESS = 0x0000;
    static final int INVALID_OPCODE = 0x0001;
    static final int INVALID_FIELD = 0x0002;
    static final int DATA_TRANSFER_ERROR = 0x0004;
    static final int INVALID_NSID = 0x000b;
    static final int COMMAND_SEQUENCE_ERROR = 0x000c;
    static final int INVALID_PRP_OFFSET = 0x0013;
    static final int LBA_RANGE = 0x0080;
    static final int INVALID_CQID = 0x0100;
    static final int INVALID_QID = 0x0101;
    static final int MAX_QSIZE_EXCEEDED = 0x0102;
    static final int INVALID_IRQ_VECTOR = 0x0108;
    static final int INVALID_QUEUE_DELETION = 0x010c;
    static final int DNR = 0x4000;

    /** A command that ends with a status other than success. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Failure(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }
}
