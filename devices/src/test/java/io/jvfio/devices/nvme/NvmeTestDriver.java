package io.jvfio.devices.nvme;

import static io.jvfio.devices.nvme.NvmeController.*;
import static io.jvfio.emulator.pci.PciRegs.COMMAND;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MASTER;
import static io.jvfio.emulator.pci.PciRegs.COMMAND_MEMORY;

import io.jvfio.emulator.pci.Bar;
import io.jvfio.emulator.pci.InterruptSink;
import io.jvfio.emulator.pci.SegmentDmaPort;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A minimal NVMe host driver for tests: host memory is one segment mapped at {@link #IOVA}; queues
 * live at fixed offsets in it; commands are built by hand and completions polled by phase tag.
 */
final class NvmeTestDriver {
    static final long IOVA = 0x1000_0000L;
    static final long ASQ = 0x0000;
    static final long ACQ = 0x1000;
    static final long IOSQ = 0x2000;
    static final long IOCQ = 0x3000;
    static final long IDENTIFY = 0x4000;
    static final long PRP_LIST = 0x8000;
    static final long DATA = 0x10000;
    static final int HOST_SIZE = 0x100000;

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A polled completion: DW0, status (without phase), the SQ head it reports, the command ID. */
    record Cqe(int result, int status, int sqHead, int cid) {}

    private static final class Queue {
        final long sq;
        final long cq;
        final int sqid;
        final int size;
        int tail;
        int head;
        int phase = 1;

        Queue(long sq, long cq, int sqid, int size) {
            this.sq = sq;
            this.cq = cq;
            this.sqid = sqid;
            this.size = size;
        }
    }

    final NvmeController controller;
    final MemorySegment host;
    final SegmentDmaPort port;
    final Bar bar0;
    private final Queue admin;
    private Queue io;
    private int nextCid = 1;

    NvmeTestDriver(NvmeController controller, MemorySegment host, InterruptSink sink, int adminSize) {
        this.controller = controller;
        this.host = host;
        this.port = new SegmentDmaPort().map(IOVA, host);
        this.bar0 = controller.pci().bar(0).orElseThrow();
        this.admin = new Queue(ASQ, ACQ, 0, adminSize);
        controller.pci().attach(port, sink);
        controller.pci().config().write(COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);
    }

    int reg(int offset) {
        return (int) bar0.read(offset, 4);
    }

    void setReg(int offset, int value) {
        bar0.write(offset, 4, value & 0xffffffffL);
    }

    /** Admin queues, then CC with 4 KiB pages, 64/16-byte entries, EN. */
    void enable() {
        setReg(REG_AQA, (admin.size - 1) << 16 | (admin.size - 1));
        bar0.write(REG_ASQ, 8, IOVA + ASQ);
        bar0.write(REG_ACQ, 8, IOVA + ACQ);
        setReg(REG_CC, 4 << 20 | 6 << 16 | CC_EN);
    }

    Cqe admin(int opcode, int nsid, long prp1, long prp2, int... cdw10to15) {
        return submit(admin, opcode, 0, nsid, prp1, prp2, cdw10to15);
    }

    Cqe io(int opcode, int nsid, long prp1, long prp2, int... cdw10to15) {
        return submit(io, opcode, 0, nsid, prp1, prp2, cdw10to15);
    }

    Cqe ioWithFlags(int opcode, int flags, int nsid, long prp1, long prp2, int... cdw10to15) {
        return submit(io, opcode, flags, nsid, prp1, prp2, cdw10to15);
    }

    /** Creates I/O CQ 1 (interrupts on the given vector) and SQ 1, both {@code size} entries. */
    void createIoQueues(int size, int vector) {
        requireSuccess(admin(0x05, 0, IOVA + IOCQ, 0, (size - 1) << 16 | 1, vector << 16 | 0x3));
        requireSuccess(admin(0x01, 0, IOVA + IOSQ, 0, (size - 1) << 16 | 1, 1 << 16 | 0x1));
        io = new Queue(IOSQ, IOCQ, 1, size);
    }

    static void requireSuccess(Cqe c) {
        if (c.status() != 0) {
            throw new AssertionError("command failed with status 0x" + Integer.toHexString(c.status()));
        }
    }

    Cqe read(long slba, int blocks, long prp1, long prp2) {
        return io(0x02, 1, prp1, prp2, (int) slba, (int) (slba >>> 32), blocks - 1);
    }

    Cqe write(long slba, int blocks, long prp1, long prp2) {
        return io(0x01, 1, prp1, prp2, (int) slba, (int) (slba >>> 32), blocks - 1);
    }

    /** Writes a submission entry, rings the tail doorbell, polls the completion, rings the head doorbell. */
    private Cqe submit(Queue q, int opcode, int flags, int nsid, long prp1, long prp2, int... cdw) {
        int cid = nextCid++ & 0xffff;
        long sqe = q.sq + (long) q.tail * 64;
        host.asSlice(sqe, 64).fill((byte) 0);
        host.set(U32, sqe, opcode | flags << 8 | cid << 16);
        host.set(U32, sqe + 4, nsid);
        host.set(U64, sqe + 24, prp1);
        host.set(U64, sqe + 32, prp2);
        for (int i = 0; i < cdw.length; i++) {
            host.set(U32, sqe + 40 + 4L * i, cdw[i]);
        }
        q.tail = (q.tail + 1) % q.size;
        setReg(DOORBELLS + 8 * q.sqid, q.tail);
        long cqe = q.cq + (long) q.head * 16;
        int dw3 = host.get(U32, cqe + 12);
        if ((dw3 >>> 16 & 1) != q.phase) {
            throw new AssertionError("no completion posted for command " + cid);
        }
        Cqe done = new Cqe(host.get(U32, cqe), dw3 >>> 17, host.get(U32, cqe + 8) & 0xffff, dw3 & 0xffff);
        if (done.cid() != cid || (host.get(U32, cqe + 8) >>> 16) != q.sqid) {
            throw new AssertionError("completion for another command: " + done);
        }
        q.head = (q.head + 1) % q.size;
        if (q.head == 0) {
            q.phase ^= 1;
        }
        setReg(DOORBELLS + 8 * q.sqid + 4, q.head);
        return done;
    }
}
