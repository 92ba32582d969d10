package io.jvfio.api.driver;

import java.util.Locale;

/**
 * A command completed with a non-zero status: its Status Code Type (SCT) and Status Code (SC) as
 * the completion queue entry carries them, plus the Do Not Retry bit.
 */
public final class NvmeStatusException extends NvmeException {
    private static final long serialVersionUID = 1L;

    /** Generic command status codes (SCT 0) this driver names. */
    public static final int SC_INVALID_OPCODE = 0x01;

    public static final int SC_INVALID_FIELD = 0x02;
    public static final int SC_DATA_TRANSFER_ERROR = 0x04;
    public static final int SC_INVALID_NAMESPACE = 0x0b;
    public static final int SC_LBA_OUT_OF_RANGE = 0x80;

    private final int sct;
    private final int sc;
    private final boolean dnr;

    /** {@code status} is the CQE's status field without the phase bit (DW3 bits 31:17). */
    NvmeStatusException(String command, int status) {
        super(command, describe(status));
        this.sct = (status >> 8) & 0x7;
        this.sc = status & 0xff;
        this.dnr = (status & 0x4000) != 0;
    }

    public int sct() {
        return sct;
    }

    public int sc() {
        return sc;
    }

    /** Do Not Retry: the same command would fail again. */
    public boolean doNotRetry() {
        return dnr;
    }

    private static String describe(int status) {
        int sct = (status >> 8) & 0x7;
        int sc = status & 0xff;
        String name = sct == 0 ? genericName(sc) : sct == 1 ? specificName(sc) : "";
        return String.format(
                Locale.ROOT,
                "status SCT %d SC 0x%02x%s%s",
                sct,
                sc,
                name.isEmpty() ? "" : " (" + name + ")",
                (status & 0x4000) != 0 ? ", do not retry" : "");
    }

    private static String genericName(int sc) {
        return switch (sc) {
            case SC_INVALID_OPCODE -> "invalid opcode";
            case SC_INVALID_FIELD -> "invalid field in command";
            case SC_DATA_TRANSFER_ERROR -> "data transfer error";
            case 0x0c -> "command sequence error";
            case SC_INVALID_NAMESPACE -> "invalid namespace or format";
            case 0x13 -> "invalid PRP offset";
            case SC_LBA_OUT_OF_RANGE -> "LBA out of range";
            default -> "";
        };
    }

    private static String specificName(int sc) {
        return switch (sc) {
            case 0x00 -> "completion queue invalid";
            case 0x01 -> "invalid queue identifier";
            case 0x02 -> "invalid queue size";
            case 0x08 -> "invalid interrupt vector";
            case 0x0c -> "invalid queue deletion";
            default -> "";
        };
    }
}
