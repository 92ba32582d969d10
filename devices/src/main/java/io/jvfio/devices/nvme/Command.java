package io.jvfio.devices.nvme;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** A 64-byte submission queue entry, decoded. */
record Command(
        int opcode,
        int flags,
        int cid,
        int nsid,
        long prp1,
        long prp2,
        int cdw10,
        int cdw11,
        int cdw12,
        int cdw13,
        int cdw14,
        int cdw15) {
    static final int SIZE = 64;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static Command decode(MemorySegment sqe) {
        int dw0 = sqe.get(INT, 0);
        return new Command(
                dw0 & 0xff,
                dw0 >>> 8 & 0xff,
                dw0 >>> 16,
                sqe.get(INT, 4),
                sqe.get(LONG, 24),
                sqe.get(LONG, 32),
                sqe.get(INT, 40),
                sqe.get(INT, 44),
                sqe.get(INT, 48),
                sqe.get(INT, 52),
                sqe.get(INT, 56),
                sqe.get(INT, 60));
    }

    /** PSDT (flags bits 7:6): 0 means PRPs, the only data pointer this controller takes. */
    boolean usesPrps() {
        return (flags & 0xc0) == 0;
    }
}
