package io.jvfio.devices.nvme;

import static io.jvfio.devices.nvme.NvmeStatus.*;

import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.MigratableDevice;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * An NVMe controller modelled on QEMU 7.2's {@code nvme} device (1b36:0010, class 010802): BAR0
 * with the controller registers, doorbells and the MSI-X table and PBA; pin-based interrupts masked
 * through INTMS/INTMC; admin and I/O queues in host memory reached through the DMA port; PRP data
 * pointers; the admin commands a driver needs to bring up I/O queues; Read, Write and Flush on one
 * RAM-backed namespace of 512-byte blocks.
 *
 * <p>Commands run synchronously inside the submission doorbell write, and their completions are
 * posted (and the interrupt raised) before that write returns, where QEMU does both shortly after.
 */
public final class NvmeController {
    public static final int VENDOR_ID = 0x1b36;
    public static final int DEVICE_ID = 0x0010;
    public static final int CLASS_CODE = 0x010802;
    public static final int REVISION = 0x02;
    public static final int SUBSYSTEM_VENDOR_ID = 0x1af4;
    public static final int LBA_SIZE = 512;

    public static final int REG_CAP = 0x00;
    public static final int REG_VS = 0x08;
    public static final int REG_INTMS = 0x0c;
    public static final int REG_INTMC = 0x10;
    public static final int REG_CC = 0x14;
    public static final int REG_CSTS = 0x1c;
    public static final int REG_AQA = 0x24;
    public static final int REG_ASQ = 0x28;
    public static final int REG_ACQ = 0x30;
    public static final int DOORBELLS = 0x1000;

    public static final int CC_EN = 0x1;
    public static final int CC_SHN_MASK = 0xc000;
    public static final int CSTS_RDY = 0x1;
    public static final int CSTS_CFS = 0x2;
    public static final int CSTS_SHST_COMPLETE = 0x8;

    /** Doorbell stride exponent: doorbells are 4 << DSTRD bytes apart. */
    private static final int DSTRD = 0;

    private static final int MQES = 0x7ff;
    private static final int REGISTERS_SIZE = 0x1000;
    private static final int CQE_SIZE = 16;
    private static final int NSID_BROADCAST = 0xffffffff;
    private static final int NSID = 1;
    private static final int PAGE_SHIFT_MIN = 12;
    private static final int MPS_MAX = 4;
    private static final int FEATURE_VOLATILE_WRITE_CACHE = 0x06;
    private static final int FEATURE_NUMBER_OF_QUEUES = 0x07;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final System.Logger LOG = System.getLogger(NvmeController.class.getName());

    private final NvmeConfig config;
    private final PciFunction pci;
    private final MemorySegment namespace;
    private final int msixVectors;
    private final long capabilities;
    private final Arena scratch = Arena.ofAuto();
    private final SubmissionQueue[] sqs;
    private final CompletionQueue[] cqs;
    private int cc;
    private int csts;
    private int intms;
    private int aqa;
    private long asq;
    private long acq;
    private int irqStatus;
    private boolean ioQueuesCreated;
    private boolean volatileWriteCache = true;
    /** Migration's STOP: doorbells are recorded, commands wait until the controller runs again. */
    private boolean stopped;
    /** Namespace chunks written since the migration's initial part was taken; null when not tracking. */
    private BitSet dirtyChunks;

    public NvmeController(NvmeConfig config) {
        this.config = config;
        this.namespace = Arena.ofAuto().allocate(config.namespaceBytes(), 4096);
        int queues = config.maxIoQueuePairs() + 1;
        this.sqs = new SubmissionQueue[queues];
        this.cqs = new CompletionQueue[queues];
        this.msixVectors = Math.min(queues, 2048);
        this.capabilities = MQES
                | 1L << 16 // CQR: queues must be physically contiguous
                | 0xfL << 24 // TO: 7.5 s
                | (long) DSTRD << 32
                | (0x01L | 0x40L | 0x80L) << 37 // CSS: NVM, I/O command sets, admin only
                | (long) MPS_MAX << 52;
        // QEMU's BAR0: registers and doorbells, then the MSI-X table and PBA on 4 KiB boundaries.
        long tableOffset = align4k(REGISTERS_SIZE + 2L * queues * (4 << DSTRD));
        long pbaOffset = align4k(tableOffset + 16L * msixVectors);
        long barSize = Long.highestOneBit(pbaOffset + (msixVectors + 63) / 64 * 8L - 1) << 1;
        PciFunction.Builder b = PciFunction.builder(VENDOR_ID, DEVICE_ID)
                .classCode(CLASS_CODE)
                .revision(REVISION)
                .subsystem(SUBSYSTEM_VENDOR_ID, 0x1100)
                .intx()
                .memoryBar(0, barSize, true, false, new Registers())
                .msix(0x40, msixVectors, 0, tableOffset, 0, pbaOffset)
                .powerManagement(0x60)
                .pciExpress(0x80, config.pcieType(), true)
                .onReset(this::resetController)
                .migratable(new State());
        if (config.sriovMaxVfs() > 0) {
            // QEMU's VFs (offset 1, stride 1, the PF's device ID), each a controller of its own
            b.sriov(0x100, config.sriovMaxVfs(), 1, 1, n -> new NvmeController(config.virtfn()).pci());
        }
        this.pci = b.build();
    }

    public PciFunction pci() {
        return pci;
    }

    /** The namespace's contents (for inspection; the host reaches it only through commands). */
    MemorySegment namespace() {
        return namespace;
    }

    private static long align4k(long v) {
        return (v + 0xfff) & ~0xfffL;
    }

    private int pageSize() {
        return 1 << (PAGE_SHIFT_MIN + (cc >>> 7 & 0xf));
    }

    // ---- registers ---------------------------------------------------------------------------

    private long readRegister(long offset, int size) {
        if (offset >= REGISTERS_SIZE) {
            return 0; // doorbells are write-only
        }
        int dword = (int) offset & ~3;
        long pair = (dword(dword) & 0xffffffffL) | ((long) dword(dword + 4) << 32);
        long value = pair >>> (8 * (offset & 3));
        return size == 8 ? value : value & ((1L << (8 * size)) - 1);
    }

    private int dword(int offset) {
        return switch (offset) {
            case REG_CAP -> (int) capabilities;
            case REG_CAP + 4 -> (int) (capabilities >>> 32);
            case REG_VS -> Identify.VERSION;
            case REG_INTMS, REG_INTMC -> intms;
            case REG_CC -> cc;
            case REG_CSTS -> csts;
            case REG_AQA -> aqa;
            case REG_ASQ -> (int) asq;
            case REG_ASQ + 4 -> (int) (asq >>> 32);
            case REG_ACQ -> (int) acq;
            case REG_ACQ + 4 -> (int) (acq >>> 32);
            default -> 0;
        };
    }

    private void writeRegister(long offset, int size, long value) {
        int v = (int) value;
        switch ((int) offset) {
            case REG_INTMS -> {
                if (!pci.msixEnabled()) {
                    intms |= v;
                    updateIntx();
                }
            }
            case REG_INTMC -> {
                if (!pci.msixEnabled()) {
                    intms &= ~v;
                    updateIntx();
                }
            }
            case REG_CC -> writeCc(v);
            case REG_AQA -> aqa = v;
            case REG_ASQ -> asq = size == 8 ? value : lowHalf(asq, v);
            case REG_ASQ + 4 -> asq = highHalf(asq, v);
            case REG_ACQ -> acq = size == 8 ? value : lowHalf(acq, v);
            case REG_ACQ + 4 -> acq = highHalf(acq, v);
            default ->
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "nvme: write to read-only or reserved register 0x{0}",
                        Long.toHexString(offset));
        }
    }

    private static long lowHalf(long register, int value) {
        return (register & ~0xffffffffL) | (value & 0xffffffffL);
    }

    private static long highHalf(long register, int value) {
        return (register & 0xffffffffL) | ((long) value << 32);
    }

    private void writeCc(int value) {
        int old = cc;
        cc = value;
        if ((value & CC_SHN_MASK) != 0 && (old & CC_SHN_MASK) == 0) {
            csts = (csts & ~0xc) | CSTS_SHST_COMPLETE; // nothing is cached, so shutdown completes at once
        } else if ((value & CC_SHN_MASK) == 0 && (old & CC_SHN_MASK) != 0) {
            csts &= ~0xc;
        }
        if ((value & CC_EN) != 0 && (old & CC_EN) == 0) {
            csts = startController() ? CSTS_RDY : CSTS_CFS;
        } else if ((value & CC_EN) == 0 && (old & CC_EN) != 0) {
            resetController();
        }
    }

    /** CC.EN 0→1: check the admin queue setup and the entry sizes and page size chosen. */
    private boolean startController() {
        int mps = cc >>> 7 & 0xf;
        int iosqes = cc >>> 16 & 0xf;
        int iocqes = cc >>> 20 & 0xf;
        int css = cc >>> 4 & 0x7;
        int asqs = aqa & 0xfff;
        int acqs = aqa >>> 16 & 0xfff;
        long pageMask = pageSize() - 1L;
        boolean ok = (capabilities >>> 37 & 1L << css) != 0
                && mps <= MPS_MAX
                && iosqes == 6
                && iocqes == 4
                && asqs != 0
                && acqs != 0
                && (asq & pageMask) == 0
                && (acq & pageMask) == 0;
        if (ok) {
            cqs[0] = new CompletionQueue(acq, acqs + 1, 0, true);
            sqs[0] = new SubmissionQueue(0, asq, asqs + 1, cqs[0]);
        }
        return ok;
    }

    /** Controller reset (CC.EN 1→0, FLR): queues gone, interrupts cleared, registers as QEMU leaves them. */
    private void resetController() {
        Arrays.fill(sqs, null);
        Arrays.fill(cqs, null);
        ioQueuesCreated = false;
        irqStatus = 0;
        intms = 0;
        cc = 0;
        csts = 0;
        updateIntx();
    }

    // ---- doorbells and queues -------------------------------------------------------------------

    private void doorbell(long offset, int size, long value) {
        long stride = 4L << DSTRD;
        long index = (offset - DOORBELLS) / stride;
        if ((offset - DOORBELLS) % stride != 0 || size < 4) {
            return;
        }
        int qid = (int) (index / 2);
        int newValue = (int) value & 0xffff;
        if (index % 2 == 0) {
            SubmissionQueue sq = qid < sqs.length ? sqs[qid] : null;
            if (sq == null || newValue >= sq.size) {
                LOG.log(System.Logger.Level.DEBUG, "nvme: ignored SQ{0} tail doorbell {1}", qid, newValue);
                return;
            }
            sq.tail = newValue;
            if (!stopped) {
                process(sq);
            }
        } else {
            CompletionQueue cq = qid < cqs.length ? cqs[qid] : null;
            if (cq == null || newValue >= cq.size) {
                LOG.log(System.Logger.Level.DEBUG, "nvme: ignored CQ{0} head doorbell {1}", qid, newValue);
                return;
            }
            cq.head = newValue;
            if (stopped) {
                return;
            }
            post(cq);
            for (SubmissionQueue sq : sqs) {
                if (sq != null && sq.cq == cq) {
                    process(sq);
                }
            }
            if (cq.head == cq.tail) {
                deassert(cq);
            }
        }
    }

    /** Fetches and runs commands until the queue is empty or its completions have no room left. */
    private void process(SubmissionQueue sq) {
        MemorySegment sqe = scratch.allocate(Command.SIZE);
        while (sq.head != sq.tail && sq.cq.waiting.size() < sq.size && (csts & CSTS_CFS) == 0) {
            try {
                pci.dma().read(sq.base + (long) sq.head * Command.SIZE, sqe);
            } catch (DmaFaultException e) {
                csts |= CSTS_CFS; // QEMU: a submission it cannot fetch is a fatal controller error
                return;
            }
            sq.head = (sq.head + 1) % sq.size;
            Command cmd = Command.decode(sqe);
            Completion done = new Completion();
            try {
                if (!cmd.usesPrps()) {
                    throw new Failure(INVALID_FIELD | DNR);
                }
                done.result = sq.id == 0 ? admin(cmd) : io(cmd);
            } catch (Failure f) {
                done.status = f.status;
            }
            done.sq = sq;
            done.cid = cmd.cid();
            sq.cq.waiting.add(done);
            post(sq.cq);
        }
    }

    private void post(CompletionQueue cq) {
        MemorySegment cqe = scratch.allocate(CQE_SIZE);
        while (!cq.waiting.isEmpty() && (cq.tail + 1) % cq.size != cq.head) {
            Completion c = cq.waiting.peek();
            cqe.set(U32, 0, c.result);
            cqe.set(U32, 4, 0);
            cqe.set(U32, 8, c.sq.head | c.sq.id << 16);
            cqe.set(U32, 12, c.cid | cq.phase << 16 | c.status << 17);
            try {
                pci.dma().write(cq.base + (long) cq.tail * CQE_SIZE, cqe);
            } catch (DmaFaultException e) {
                csts |= CSTS_CFS;
                return;
            }
            cq.waiting.remove();
            cq.tail = (cq.tail + 1) % cq.size;
            if (cq.tail == 0) {
                cq.phase ^= 1;
            }
        }
        if (cq.tail != cq.head) {
            assertIrq(cq);
        }
    }

    private void assertIrq(CompletionQueue cq) {
        if (!cq.interrupts) {
            return;
        }
        if (pci.msixEnabled()) {
            pci.notifyMsix(cq.vector);
        } else {
            irqStatus |= 1 << cq.vector;
            updateIntx();
        }
    }

    private void deassert(CompletionQueue cq) {
        if (cq.interrupts && !pci.msixEnabled()) {
            irqStatus &= ~(1 << cq.vector);
            updateIntx();
        }
    }

    private void updateIntx() {
        if (!pci.msixEnabled()) {
            pci.setIntx((irqStatus & ~intms) != 0);
        }
    }

    // ---- admin command set ----------------------------------------------------------------------

    private int admin(Command c) throws Failure {
        return switch (c.opcode()) {
            case 0x00 -> deleteSq(c);
            case 0x01 -> createSq(c);
            case 0x04 -> deleteCq(c);
            case 0x05 -> createCq(c);
            case 0x06 -> identify(c);
            case 0x08 -> 1; // Abort: the command is never found still outstanding
            case 0x09 -> setFeatures(c);
            case 0x0a -> getFeatures(c);
            default -> throw new Failure(INVALID_OPCODE | DNR);
        };
    }

    private int createCq(Command c) throws Failure {
        int cqid = c.cdw10() & 0xffff;
        int qsize = c.cdw10() >>> 16;
        int flags = c.cdw11() & 0xffff;
        int vector = c.cdw11() >>> 16;
        if (cqid == 0 || cqid > config.maxIoQueuePairs() || cqs[cqid] != null) {
            throw new Failure(INVALID_QID | DNR);
        }
        if (qsize == 0 || qsize > MQES) {
            throw new Failure(MAX_QSIZE_EXCEEDED | DNR);
        }
        if ((c.prp1() & (pageSize() - 1)) != 0) {
            throw new Failure(INVALID_PRP_OFFSET | DNR);
        }
        if ((!pci.msixEnabled() && vector != 0) || vector >= msixVectors) {
            throw new Failure(INVALID_IRQ_VECTOR | DNR);
        }
        if ((flags & 1) == 0) {
            throw new Failure(INVALID_FIELD | DNR); // only physically contiguous queues (CAP.CQR)
        }
        cqs[cqid] = new CompletionQueue(c.prp1(), qsize + 1, vector, (flags & 2) != 0);
        ioQueuesCreated = true;
        return 0;
    }

    private int createSq(Command c) throws Failure {
        int sqid = c.cdw10() & 0xffff;
        int qsize = c.cdw10() >>> 16;
        int flags = c.cdw11() & 0xffff;
        int cqid = c.cdw11() >>> 16;
        if (cqid == 0 || cqid > config.maxIoQueuePairs() || cqs[cqid] == null) {
            throw new Failure(INVALID_CQID | DNR);
        }
        if (sqid == 0 || sqid > config.maxIoQueuePairs() || sqs[sqid] != null) {
            throw new Failure(INVALID_QID | DNR);
        }
        if (qsize == 0 || qsize > MQES) {
            throw new Failure(MAX_QSIZE_EXCEEDED | DNR);
        }
        if ((c.prp1() & (pageSize() - 1)) != 0) {
            throw new Failure(INVALID_PRP_OFFSET | DNR);
        }
        if ((flags & 1) == 0) {
            throw new Failure(INVALID_FIELD | DNR);
        }
        sqs[sqid] = new SubmissionQueue(sqid, c.prp1(), qsize + 1, cqs[cqid]);
        ioQueuesCreated = true;
        return 0;
    }

    private int deleteSq(Command c) throws Failure {
        int qid = c.cdw10() & 0xffff;
        if (qid == 0 || qid >= sqs.length || sqs[qid] == null) {
            throw new Failure(INVALID_QID | DNR);
        }
        sqs[qid] = null;
        return 0;
    }

    private int deleteCq(Command c) throws Failure {
        int qid = c.cdw10() & 0xffff;
        if (qid == 0 || qid >= cqs.length || cqs[qid] == null) {
            throw new Failure(INVALID_CQID | DNR);
        }
        CompletionQueue cq = cqs[qid];
        for (SubmissionQueue sq : sqs) {
            if (sq != null && sq.cq == cq) {
                throw new Failure(INVALID_QUEUE_DELETION);
            }
        }
        deassert(cq);
        cqs[qid] = null;
        return 0;
    }

    private int identify(Command c) throws Failure {
        int cns = c.cdw10() & 0xff;
        MemorySegment data =
                switch (cns) {
                    case 0x00 -> {
                        if (c.nsid() == 0
                                || c.nsid() == NSID_BROADCAST
                                || Integer.compareUnsigned(c.nsid(), Identify.MAX_NAMESPACES) > 0) {
                            throw new Failure(INVALID_NSID | DNR);
                        }
                        yield c.nsid() == NSID ? Identify.namespace(lbas()) : Identify.zeroed();
                    }
                    case 0x01 -> Identify.controller(config.serial(), VENDOR_ID, SUBSYSTEM_VENDOR_ID);
                    case 0x02 -> {
                        if (Integer.compareUnsigned(c.nsid(), NSID_BROADCAST - 1) >= 0) {
                            throw new Failure(INVALID_NSID | DNR);
                        }
                        yield Identify.activeNamespaces(c.nsid(), NSID);
                    }
                    case 0x03 -> {
                        if (c.nsid() == 0
                                || c.nsid() == NSID_BROADCAST
                                || Integer.compareUnsigned(c.nsid(), Identify.MAX_NAMESPACES) > 0) {
                            throw new Failure(INVALID_NSID | DNR);
                        }
                        if (c.nsid() != NSID) {
                            throw new Failure(INVALID_FIELD | DNR); // a valid but inactive NSID
                        }
                        yield Identify.namespaceDescriptors(config.serial(), NSID);
                    }
                    default -> throw new Failure(INVALID_FIELD | DNR);
                };
        toHost(c, data);
        return 0;
    }

    private int getFeatures(Command c) throws Failure {
        return switch (c.cdw10() & 0xff) {
            case FEATURE_NUMBER_OF_QUEUES -> queueCounts();
            case FEATURE_VOLATILE_WRITE_CACHE -> volatileWriteCache ? 1 : 0;
            default -> throw new Failure(INVALID_FIELD | DNR);
        };
    }

    private int setFeatures(Command c) throws Failure {
        return switch (c.cdw10() & 0xff) {
            case FEATURE_NUMBER_OF_QUEUES -> {
                if (ioQueuesCreated) {
                    throw new Failure(COMMAND_SEQUENCE_ERROR);
                }
                if ((c.cdw11() & 0xffff) == 0xffff || c.cdw11() >>> 16 == 0xffff) {
                    throw new Failure(INVALID_FIELD | DNR);
                }
                yield queueCounts(); // always all of them, as QEMU grants
            }
            case FEATURE_VOLATILE_WRITE_CACHE -> {
                volatileWriteCache = (c.cdw11() & 1) != 0;
                yield 0;
            }
            default -> throw new Failure(INVALID_FIELD | DNR);
        };
    }

    private int queueCounts() {
        int n = config.maxIoQueuePairs() - 1;
        return n << 16 | n;
    }

    // ---- NVM command set ------------------------------------------------------------------------

    private int io(Command c) throws Failure {
        if (c.nsid() == 0
                || (c.nsid() != NSID_BROADCAST && Integer.compareUnsigned(c.nsid(), Identify.MAX_NAMESPACES) > 0)) {
            throw new Failure(INVALID_NSID | DNR);
        }
        if (c.opcode() == 0x00 && c.nsid() == NSID_BROADCAST) {
            return 0; // Flush of every namespace: RAM has nothing to write back
        }
        if (c.nsid() != NSID) {
            throw new Failure(INVALID_FIELD | DNR);
        }
        return switch (c.opcode()) {
            case 0x00 -> 0;
            case 0x01 -> readWrite(c, true);
            case 0x02 -> readWrite(c, false);
            default -> throw new Failure(INVALID_OPCODE | DNR);
        };
    }

    private int readWrite(Command c, boolean write) throws Failure {
        long slba = highHalf(c.cdw10() & 0xffffffffL, c.cdw11());
        long blocks = (c.cdw12() & 0xffff) + 1L;
        long bytes = blocks * LBA_SIZE;
        if (bytes > (long) pageSize() << Identify.MDTS) {
            throw new Failure(INVALID_FIELD | DNR);
        }
        if (Long.compareUnsigned(slba, lbas() - blocks) > 0 || blocks > lbas()) {
            throw new Failure(LBA_RANGE | DNR);
        }
        List<Prp.Segment> segments;
        try {
            segments = Prp.map(pci.dma(), c.prp1(), c.prp2(), bytes, pageSize());
        } catch (Failure f) {
            // QEMU ends a read/write that fails before its I/O is issued (mapping the PRPs included)
            // with Do Not Retry set: seen as 0x4004 for a faulting PRP list in the test VM.
            throw new Failure(f.status | DNR);
        }
        MemorySegment blocksOnDisk = namespace.asSlice(slba * LBA_SIZE, bytes);
        if (write) {
            MemorySegment staged = scratch.allocate(bytes); // nothing lands on disk unless all of it arrived
            Prp.transfer(pci.dma(), segments, staged, false);
            blocksOnDisk.copyFrom(staged);
            if (dirtyChunks != null) {
                long chunk = NamespaceChunks.CHUNK;
                dirtyChunks.set((int) (slba * LBA_SIZE / chunk), (int) ((slba * LBA_SIZE + bytes - 1) / chunk) + 1);
            }
        } else {
            Prp.transfer(pci.dma(), segments, blocksOnDisk, true);
        }
        return 0;
    }

    private long lbas() {
        return namespace.byteSize() / LBA_SIZE;
    }

    private void toHost(Command c, MemorySegment data) throws Failure {
        Prp.transfer(pci.dma(), Prp.map(pci.dma(), c.prp1(), c.prp2(), data.byteSize(), pageSize()), data, true);
    }

    // ---- state ------------------------------------------------------------------------------------

    private static final class SubmissionQueue {
        final int id;
        final long base;
        final int size;
        final CompletionQueue cq;
        int head;
        int tail;

        SubmissionQueue(int id, long base, int size, CompletionQueue cq) {
            this.id = id;
            this.base = base;
            this.size = size;
            this.cq = cq;
        }
    }

    private static final class CompletionQueue {
        final long base;
        final int size;
        final int vector;
        final boolean interrupts;
        final ArrayDeque<Completion> waiting = new ArrayDeque<>();
        int head;
        int tail;
        int phase = 1;

        CompletionQueue(long base, int size, int vector, boolean interrupts) {
            this.base = base;
            this.size = size;
            this.vector = vector;
            this.interrupts = interrupts;
        }
    }

    private static final class Completion {
        SubmissionQueue sq;
        int cid;
        int result;
        int status;
    }

    // ---- migration -------------------------------------------------------------------------------

    /**
     * The controller's state for migration: PRE_COPY sends the namespace's non-zero chunks while it
     * runs; STOP_COPY the chunks written since, the registers, and every queue with its head, tail,
     * phase and the completions still waiting for room, so commands submitted but not yet run
     * (doorbells rung while stopped) run on the controller that resumes.
     */
    private final class State implements MigratableDevice {
        @Override
        public void setRunning(boolean running) {
            stopped = !running;
            if (running) {
                for (CompletionQueue cq : cqs) {
                    if (cq != null) {
                        post(cq);
                    }
                }
                for (SubmissionQueue sq : sqs) {
                    if (sq != null) {
                        process(sq);
                    }
                }
            }
        }

        @Override
        public byte[] saveInitial() {
            BitSet all = new BitSet();
            all.set(0, (int) (namespace.byteSize() / NamespaceChunks.CHUNK));
            dirtyChunks = new BitSet();
            return NamespaceChunks.save(namespace, all, true);
        }

        @Override
        public byte[] saveFinal() {
            BitSet dirty = dirtyChunks != null ? dirtyChunks : new BitSet();
            dirtyChunks = null;
            ByteBuffer b = ByteBuffer.allocate(64 + sqs.length * 96).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(cc).putInt(csts).putInt(intms).putInt(aqa).putLong(asq).putLong(acq);
            b.putInt(irqStatus).put((byte) (ioQueuesCreated ? 1 : 0)).put((byte) (volatileWriteCache ? 1 : 0));
            b.putInt(sqs.length);
            for (int q = 0; q < sqs.length; q++) {
                CompletionQueue cq = cqs[q];
                b.put((byte) (cq != null ? 1 : 0));
                if (cq != null) {
                    b.putLong(cq.base).putInt(cq.size).putInt(cq.vector).put((byte) (cq.interrupts ? 1 : 0));
                    b.putInt(cq.head).putInt(cq.tail).putInt(cq.phase).putInt(cq.waiting.size());
                    b = NamespaceChunks.grow(b, cq.waiting.size() * 16);
                    for (Completion c : cq.waiting) {
                        b.putInt(c.sq.id).putInt(c.cid).putInt(c.result).putInt(c.status);
                    }
                }
            }
            for (SubmissionQueue sq : sqs) {
                b.put((byte) (sq != null ? 1 : 0));
                if (sq != null) {
                    b.putLong(sq.base)
                            .putInt(sq.size)
                            .putInt(cqIndex(sq.cq))
                            .putInt(sq.head)
                            .putInt(sq.tail);
                }
            }
            byte[] data = NamespaceChunks.save(namespace, dirty, false);
            b = NamespaceChunks.grow(b, data.length).put(data);
            return Arrays.copyOf(b.array(), b.position());
        }

        private int cqIndex(CompletionQueue cq) {
            return Arrays.asList(cqs).indexOf(cq);
        }

        /** A queue from a stream must be one the controller could have made (no later arithmetic surprises). */
        private static void checkQueue(int size, int head, int tail) {
            if (size < 2 || size > MQES + 1 || head < 0 || head >= size || tail < 0 || tail >= size) {
                throw new IllegalArgumentException("bad queue size, head or tail");
            }
        }

        @Override
        public void load(byte[] initial, byte[] fin) {
            try {
                namespace.fill((byte) 0);
                NamespaceChunks.load(namespace, ByteBuffer.wrap(initial).order(ByteOrder.LITTLE_ENDIAN));
                ByteBuffer b = ByteBuffer.wrap(fin).order(ByteOrder.LITTLE_ENDIAN);
                cc = b.getInt();
                csts = b.getInt();
                intms = b.getInt();
                aqa = b.getInt();
                asq = b.getLong();
                acq = b.getLong();
                irqStatus = b.getInt();
                ioQueuesCreated = b.get() != 0;
                volatileWriteCache = b.get() != 0;
                if (b.getInt() != sqs.length) {
                    throw new IllegalArgumentException("a controller with another number of queues");
                }
                Arrays.fill(sqs, null);
                Arrays.fill(cqs, null);
                List<int[]> waiting = new ArrayList<>();
                for (int q = 0; q < cqs.length; q++) {
                    if (b.get() != 0) {
                        CompletionQueue cq = new CompletionQueue(b.getLong(), b.getInt(), b.getInt(), b.get() != 0);
                        cq.head = b.getInt();
                        cq.tail = b.getInt();
                        cq.phase = b.getInt();
                        checkQueue(cq.size, cq.head, cq.tail);
                        if ((cq.phase & ~1) != 0 || cq.vector < 0 || cq.vector >= msixVectors) {
                            throw new IllegalArgumentException("CQ " + q + ": bad phase or vector");
                        }
                        for (int n = b.getInt(); n > 0; n--) {
                            waiting.add(new int[] {q, b.getInt(), b.getInt(), b.getInt(), b.getInt()});
                        }
                        cqs[q] = cq;
                    }
                }
                for (int q = 0; q < sqs.length; q++) {
                    if (b.get() != 0) {
                        long base = b.getLong();
                        int size = b.getInt();
                        CompletionQueue cq = cqs[b.getInt()];
                        if (cq == null) {
                            throw new IllegalArgumentException("SQ " + q + " on a missing CQ");
                        }
                        SubmissionQueue sq = new SubmissionQueue(q, base, size, cq);
                        sq.head = b.getInt();
                        sq.tail = b.getInt();
                        checkQueue(sq.size, sq.head, sq.tail);
                        sqs[q] = sq;
                    }
                }
                for (int[] w : waiting) {
                    Completion c = new Completion();
                    c.sq = sqs[w[1]];
                    if (c.sq == null) {
                        throw new IllegalArgumentException("a completion for missing SQ " + w[1]);
                    }
                    c.cid = w[2];
                    c.result = w[3];
                    c.status = w[4];
                    cqs[w[0]].waiting.add(c);
                }
                NamespaceChunks.load(namespace, b);
            } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("not an NVMe controller state", e);
            }
        }
    }

    private final class Registers implements MmioHandler {
        @Override
        public long read(long offset, int size) {
            return readRegister(offset, size);
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset >= DOORBELLS) {
                doorbell(offset, size, value);
            } else {
                writeRegister(offset, size, value);
            }
        }
    }
}
