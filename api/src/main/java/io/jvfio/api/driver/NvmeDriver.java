package io.jvfio.api.driver;

import io.jvfio.api.DmaAccess;
import io.jvfio.api.DmaBuffer;
import io.jvfio.api.Ioas;
import io.jvfio.api.Iommufd;
import io.jvfio.api.Irq;
import io.jvfio.api.Jvfio;
import io.jvfio.api.Mapping;
import io.jvfio.api.PciConfig;
import io.jvfio.api.Region;
import io.jvfio.api.VfioDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * A userspace NVMe driver written on the typed API only: BAR0 through region reads and writes,
 * queues and data in {@link DmaBuffer}s mapped into the device's IOAS, completions by polling the
 * phase bit or by MSI-X eventfds. One admin queue pair, one I/O queue pair, namespace 1, one command
 * in flight at a time (methods are synchronized).
 *
 * <p>Runs on the emulated NVMe controller and on QEMU's nvme bound to vfio-pci: it relies only on
 * what NVMe 1.4 requires (no vendor quirks) and accesses registers 32 bits at a time.
 */
public final class NvmeDriver implements AutoCloseable {
    /** How the driver learns that a command completed. */
    public enum Completion {
        /** Spin on the completion queue's phase bit; controller interrupts masked. */
        POLL,
        /** Wait for the queue's MSI-X vector (an eventfd), then read the completion. */
        MSIX
    }

    /** Driver settings: completion mode, the per-command (and per state change) timeout, I/O queue depth. */
    public record Options(Completion completion, Duration timeout, int ioQueueDepth) {
        public static Options defaults() {
            return new Options(Completion.POLL, Duration.ofSeconds(10), 64);
        }

        public Options withCompletion(Completion c) {
            return new Options(c, timeout, ioQueueDepth);
        }

        public Options withTimeout(Duration t) {
            return new Options(completion, t, ioQueueDepth);
        }
    }

    public static final int NSID = 1;

    private static final int PAGE = 4096;
    private static final int SQE = 64;
    private static final int CQE = 16;
    private static final int ADMIN_DEPTH = 32;

    // Controller registers (NVMe 1.4, 3.1).
    private static final int CAP = 0x00;
    private static final int INTMS = 0x0c;
    private static final int CC = 0x14;
    private static final int CSTS = 0x1c;
    private static final int AQA = 0x24;
    private static final int ASQ = 0x28;
    private static final int ACQ = 0x30;
    private static final int DOORBELLS = 0x1000;
    private static final int CC_EN = 1;
    private static final int CC_SHN_NORMAL = 1 << 14;
    private static final int CC_IOSQES_IOCQES = 6 << 16 | 4 << 20;
    private static final int CSTS_RDY = 1;
    private static final int CSTS_CFS = 2;
    private static final int CSTS_SHST_COMPLETE = 2 << 2;

    private static final int MSIX_INDEX = 2;

    // Admin and NVM command opcodes (NVMe 1.4, 5 and 6).
    private static final int DELETE_IO_SQ = 0x00;
    private static final int CREATE_IO_SQ = 0x01;
    private static final int DELETE_IO_CQ = 0x04;
    private static final int CREATE_IO_CQ = 0x05;
    private static final int IDENTIFY = 0x06;
    private static final int SET_FEATURES = 0x09;
    private static final int FLUSH = 0x00;
    private static final int WRITE = 0x01;
    private static final int READ = 0x02;
    /** Create I/O queue CDW11: physically contiguous; for CQs, interrupts enabled. */
    private static final int QUEUE_PC = 1;

    private static final int CQ_IEN = 2;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Jvfio jvfio;
    private final VfioDevice device;
    private final Ioas ioas;
    private final Iommufd ownedIommufd;
    private final Options options;
    private final Region bar0;
    private final List<DmaBuffer> buffers = new ArrayList<>();
    private final int doorbellStride;
    private final Duration readyTimeout;
    private Irq msix;
    private Queue admin;
    private Queue io;
    private DmaBuffer prpList;
    private NvmeIdentity identity;
    private long interrupts;
    private boolean closed;

    private NvmeDriver(Jvfio jvfio, VfioDevice device, Ioas ioas, Iommufd ownedIommufd, Options options) {
        this.jvfio = jvfio;
        this.device = device;
        this.ioas = ioas;
        this.ownedIommufd = ownedIommufd;
        this.options = options;
        this.bar0 = device.region(0);
        long cap = read64(CAP);
        this.doorbellStride = 4 << ((cap >> 32) & 0xf);
        // CAP.TO: worst-case time to become ready, in 500 ms units.
        Duration to = Duration.ofMillis(((cap >> 24) & 0xff) * 500);
        this.readyTimeout = to.compareTo(options.timeout()) > 0 ? to : options.timeout();
    }

    /**
     * Opens the NVMe controller at {@code device} (a PCI address bound to vfio-pci, or a VFIO cdev
     * path), binds it to a new iommufd, attaches it to a new IOAS and brings it up. The driver owns
     * all of them.
     */
    public static NvmeDriver open(Jvfio jvfio, String device, Options options) {
        Iommufd iommufd = jvfio.openIommufd();
        VfioDevice dev = null;
        try {
            dev = device.startsWith("/") ? jvfio.openDevice(device) : jvfio.openPciDevice(device);
            dev.bind(iommufd);
            Ioas ioas = iommufd.allocIoas();
            dev.attach(ioas);
            return start(jvfio, dev, ioas, iommufd, options);
        } catch (RuntimeException e) {
            if (dev != null) {
                dev.close();
            }
            iommufd.close();
            throw e;
        }
    }

    /**
     * Brings up the controller behind {@code device}, which is already bound and attached to
     * {@code ioas}. The driver takes the device over: {@link #close} detaches and closes it.
     */
    public static NvmeDriver start(Jvfio jvfio, VfioDevice device, Ioas ioas, Options options) {
        return start(jvfio, device, ioas, null, options);
    }

    private static NvmeDriver start(Jvfio jvfio, VfioDevice device, Ioas ioas, Iommufd ownedIommufd, Options options) {
        NvmeDriver d = new NvmeDriver(jvfio, device, ioas, ownedIommufd, options);
        try {
            d.bringUp();
            return d;
        } catch (RuntimeException e) {
            try {
                d.close();
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    private void bringUp() {
        device.pciConfig().setCommandBits(PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_BUS_MASTER);
        reset();
        if (options.completion() == Completion.MSIX) {
            msix = device.irq(MSIX_INDEX);
            msix.enable(2); // vector 0: admin queue, vector 1: the I/O queue
        }
        admin = new Queue(0, ADMIN_DEPTH, 0);
        bar0.write(AQA, 4, (long) (ADMIN_DEPTH - 1) << 16 | (ADMIN_DEPTH - 1));
        write64(ASQ, admin.sqIova);
        write64(ACQ, admin.cqIova);
        bar0.write(CC, 4, CC_IOSQES_IOCQES | CC_EN);
        waitStatus("enable (CC.EN=1)", CSTS_RDY, CSTS_RDY);
        if (options.completion() == Completion.POLL) {
            bar0.write(INTMS, 4, 0xffffffffL); // pin-based interrupts off; polling needs none
        }
        identity = identify();
        prpList = allocate(PAGE);
        // Set Features, Number of Queues: one I/O SQ and one I/O CQ (0-based counts).
        admin.execute("Set Features(Number of Queues)", SET_FEATURES, 0, 0, 0, 0x07, 0, 0);
        long mqes = (read64(CAP) & 0xffff) + 1;
        int maxDepth = (int) Math.min(mqes, PAGE / SQE);
        if (options.ioQueueDepth() < 2 || options.ioQueueDepth() > maxDepth) {
            throw new IllegalArgumentException("I/O queue depth " + options.ioQueueDepth() + " not in 2.." + maxDepth);
        }
        boolean irqs = options.completion() == Completion.MSIX;
        // Without MSI-X only vector 0 is valid (pin-based), and the queue's interrupts stay off.
        Queue q = new Queue(1, options.ioQueueDepth(), irqs ? 1 : 0);
        admin.execute(
                "Create I/O Completion Queue",
                CREATE_IO_CQ,
                0,
                q.cqIova,
                0,
                (q.depth - 1) << 16 | q.id,
                q.vector << 16 | (irqs ? CQ_IEN : 0) | QUEUE_PC,
                0);
        try {
            admin.execute(
                    "Create I/O Submission Queue",
                    CREATE_IO_SQ,
                    0,
                    q.sqIova,
                    0,
                    (q.depth - 1) << 16 | q.id,
                    q.id << 16 | QUEUE_PC,
                    0);
        } catch (RuntimeException e) {
            admin.execute("Delete I/O Completion Queue", DELETE_IO_CQ, 0, 0, 0, q.id, 0, 0);
            throw e;
        }
        io = q;
    }

    /** CC.EN=0 and wait for CSTS.RDY=0: the controller forgets all queues. */
    private void reset() {
        if ((bar0.read(CC, 4) & CC_EN) != 0 || (bar0.read(CSTS, 4) & CSTS_RDY) != 0) {
            bar0.write(CC, 4, 0);
        }
        waitStatus("reset (CC.EN=0)", CSTS_RDY, 0);
    }

    private void waitStatus(String what, int mask, int value) {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (true) {
            long csts = bar0.read(CSTS, 4);
            if (csts == 0xffffffffL) {
                throw new NvmeException(what, "the controller does not respond (CSTS reads all ones)");
            }
            if ((csts & mask) == value) {
                return;
            }
            if (value != 0 && (csts & CSTS_CFS) != 0) {
                throw new NvmeException(what, "controller fatal status (CSTS 0x" + Long.toHexString(csts) + ")");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new NvmeTimeoutException(what, readyTimeout);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    private NvmeIdentity identify() {
        DmaBuffer buf = allocate(PAGE);
        MemorySegment s = buf.segment();
        admin.execute("Identify(controller)", IDENTIFY, 0, buf.iova(), 0, 1, 0, 0);
        int vid = Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        String serial = ascii(s, 4, 20);
        String model = ascii(s, 24, 40);
        String firmware = ascii(s, 64, 8);
        int mdts = Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, 77));
        int nn = s.get(ValueLayout.JAVA_INT_UNALIGNED, 516);
        long minPage = 4096L << ((read64(CAP) >> 48) & 0xf);
        long maxTransfer = mdts == 0 ? 0 : minPage << mdts;
        s.fill((byte) 0);
        admin.execute("Identify(namespace " + NSID + ")", IDENTIFY, NSID, buf.iova(), 0, 0, 0, 0);
        long nsze = s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        int format = s.get(ValueLayout.JAVA_BYTE, 26) & 0xf;
        int lbads = Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, 128 + 4L * format + 2));
        release(buf);
        return new NvmeIdentity(vid, serial, model, firmware, maxTransfer, nn, nsze, 1 << lbads);
    }

    private static String ascii(MemorySegment s, long offset, int length) {
        return new String(s.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).strip();
    }

    /** What Identify said: model, serial, firmware, namespace 1's size and block size. */
    public NvmeIdentity identity() {
        return identity;
    }

    /** The completion mode in use. */
    public Completion completion() {
        return options.completion();
    }

    /** MSI-X interrupts received so far (0 when polling). */
    public synchronized long interrupts() {
        return interrupts;
    }

    /** A zeroed DMA buffer of at least {@code bytes}, mapped into the controller's IOAS; freed on close. */
    public synchronized DmaBuffer allocate(long bytes) {
        checkOpen();
        DmaBuffer b = jvfio.allocateDma(bytes);
        try {
            b.map(ioas, DmaAccess.READ_WRITE);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        buffers.add(b);
        return b;
    }

    /** Unmaps and frees a buffer from {@link #allocate}. */
    public synchronized void release(DmaBuffer buffer) {
        if (buffers.remove(buffer)) {
            buffer.close();
        }
    }

    /** Writes {@code blocks} blocks from {@code buffer} at {@code offset} to the namespace at {@code lba}. */
    public synchronized void write(long lba, int blocks, DmaBuffer buffer, long offset) {
        transfer(WRITE, "Write", lba, blocks, buffer, offset);
    }

    /** Reads {@code blocks} blocks at {@code lba} into {@code buffer} at {@code offset}. */
    public synchronized void read(long lba, int blocks, DmaBuffer buffer, long offset) {
        transfer(READ, "Read", lba, blocks, buffer, offset);
    }

    /** Flush: the volatile write cache reaches the medium. */
    public synchronized void flush() {
        checkOpen();
        io.execute("Flush", FLUSH, NSID, 0, 0, 0, 0, 0);
    }

    private void transfer(int opcode, String name, long lba, int blocks, DmaBuffer buffer, long offset) {
        checkOpen();
        long bytes = (long) blocks * identity.blockSize();
        if (blocks < 1 || blocks > 0x10000) {
            throw new IllegalArgumentException(name + ": " + blocks + " blocks (1..65536 per command)");
        }
        if (offset < 0 || (offset & 3) != 0 || offset + bytes > buffer.segment().byteSize()) {
            throw new IllegalArgumentException(name + ": " + bytes + " bytes at offset " + offset + " do not fit a "
                    + buffer.segment().byteSize() + "-byte buffer (or the offset is not dword-aligned)");
        }
        long max = identity.maxTransferBytes() == 0 ? (long) PAGE * (PAGE / 8) : identity.maxTransferBytes();
        if (bytes > max) {
            throw new IllegalArgumentException(
                    name + ": " + bytes + " bytes exceed the controller's " + max + "-byte maximum transfer");
        }
        long start = iovaIn(buffer) + offset;
        long firstLen = PAGE - (start % PAGE);
        long prp2 = 0;
        if (bytes > firstLen) {
            long second = start + firstLen;
            long rest = bytes - firstLen;
            if (rest <= PAGE) {
                prp2 = second;
            } else {
                // A PRP list: one entry per remaining page; one list page suffices up to 2 MiB.
                MemorySegment list = prpList.segment();
                long pages = (rest + PAGE - 1) / PAGE;
                for (long i = 0; i < pages; i++) {
                    list.setAtIndex(ValueLayout.JAVA_LONG, i, second + i * PAGE);
                }
                prp2 = prpList.iova();
            }
        }
        String what = String.format(Locale.ROOT, "%s(lba %d, %d blocks)", name, lba, blocks);
        io.execute(what, opcode, NSID, start, prp2, (int) lba, (int) (lba >>> 32), blocks - 1);
    }

    private long iovaIn(DmaBuffer buffer) {
        for (Mapping m : buffer.mappings()) {
            if (m.ioasId() == ioas.id()) {
                return m.iova();
            }
        }
        throw new IllegalArgumentException("the buffer is not mapped into the controller's IOAS (use allocate)");
    }

    private long read64(int offset) {
        return bar0.read(offset, 4) | bar0.read(offset + 4, 4) << 32;
    }

    private void write64(int offset, long value) {
        bar0.write(offset, 4, value & 0xffffffffL);
        bar0.write(offset + 4, 4, value >>> 32);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the NVMe driver is closed");
        }
    }

    /**
     * Shuts the controller down (delete the I/O queues, CC.SHN normal, wait for CSTS.SHST complete),
     * then frees the buffers, detaches the device from its IOAS and closes it (unbinding it), and
     * closes the iommufd if the driver opened it. Later steps run even if earlier ones fail; the
     * first failure is thrown at the end.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        try {
            if (io != null) {
                admin.execute("Delete I/O Submission Queue", DELETE_IO_SQ, 0, 0, 0, io.id, 0, 0);
                admin.execute("Delete I/O Completion Queue", DELETE_IO_CQ, 0, 0, 0, io.id, 0, 0);
            }
            if (admin != null) {
                bar0.write(CC, 4, bar0.read(CC, 4) | CC_SHN_NORMAL);
                waitStatus("shutdown (CC.SHN)", 3 << 2, CSTS_SHST_COMPLETE);
            }
        } catch (RuntimeException e) {
            first = e;
        }
        try {
            if (msix != null) {
                msix.disable();
            }
            for (int i = buffers.size() - 1; i >= 0; i--) {
                buffers.get(i).close();
            }
            buffers.clear();
            device.detach();
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        } finally {
            device.close();
            if (ownedIommufd != null) {
                ownedIommufd.close();
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** A submission + completion queue pair with its doorbells; one command in flight. */
    private final class Queue {
        final int id;
        final int depth;
        final int vector;
        final DmaBuffer sq;
        final DmaBuffer cq;
        final long sqIova;
        final long cqIova;
        int sqTail;
        int cqHead;
        int phase = 1;
        short nextCid;

        Queue(int id, int depth, int vector) {
            this.id = id;
            this.depth = depth;
            this.vector = vector;
            this.sq = allocate((long) depth * SQE);
            this.cq = allocate((long) depth * CQE);
            this.sqIova = sq.iova();
            this.cqIova = cq.iova();
        }

        /** Submits one command, waits for its completion; returns DW0 or throws on a non-zero status. */
        int execute(String what, int opcode, int nsid, long prp1, long prp2, int cdw10, int cdw11, int cdw12) {
            MemorySegment e = sq.segment().asSlice((long) sqTail * SQE, SQE);
            short cid = nextCid++;
            e.fill((byte) 0);
            e.set(ValueLayout.JAVA_INT, 0, opcode & 0xff | Short.toUnsignedInt(cid) << 16);
            e.set(ValueLayout.JAVA_INT, 4, nsid);
            e.set(ValueLayout.JAVA_LONG, 24, prp1);
            e.set(ValueLayout.JAVA_LONG, 32, prp2);
            e.set(ValueLayout.JAVA_INT, 40, cdw10);
            e.set(ValueLayout.JAVA_INT, 44, cdw11);
            e.set(ValueLayout.JAVA_INT, 48, cdw12);
            VarHandle.fullFence(); // the entry is in memory before the doorbell tells the device
            sqTail = (sqTail + 1) % depth;
            bar0.write(DOORBELLS + 2L * id * doorbellStride, 4, sqTail);
            long dw3Offset = (long) cqHead * CQE + 12;
            awaitCompletion(what, dw3Offset);
            MemorySegment c = cq.segment();
            int dw0 = c.get(ValueLayout.JAVA_INT, (long) cqHead * CQE);
            int dw3 = c.get(ValueLayout.JAVA_INT, dw3Offset);
            cqHead = (cqHead + 1) % depth;
            if (cqHead == 0) {
                phase ^= 1;
            }
            bar0.write(DOORBELLS + (2L * id + 1) * doorbellStride, 4, cqHead);
            if ((short) dw3 != cid) {
                throw new NvmeException(what, "completion for command " + (dw3 & 0xffff) + ", expected " + cid);
            }
            int status = dw3 >>> 17;
            if (status != 0) {
                throw new NvmeStatusException(what, status);
            }
            return dw0;
        }

        private boolean posted(long dw3Offset) {
            return (((int) INT.getVolatile(cq.segment(), dw3Offset) >>> 16) & 1) == phase;
        }

        private void awaitCompletion(String what, long dw3Offset) {
            long deadline = System.nanoTime() + options.timeout().toNanos();
            int spins = 0;
            while (true) {
                if (msix != null) {
                    // Every completion raises the queue's vector; wait for it, then the entry is there.
                    long left = deadline - System.nanoTime();
                    long n = left > 0 ? msix.await(vector, Duration.ofNanos(left)) : 0;
                    interrupts += n;
                    if (posted(dw3Offset)) {
                        return;
                    }
                } else if (posted(dw3Offset)) {
                    return;
                } else if (++spins > 1000) {
                    LockSupport.parkNanos(20_000);
                } else {
                    Thread.onSpinWait();
                }
                if (System.nanoTime() - deadline > 0) {
                    long csts = bar0.read(CSTS, 4);
                    if ((csts & CSTS_CFS) != 0) {
                        throw new NvmeException(
                                what, "controller fatal status (CSTS 0x" + Long.toHexString(csts) + ")");
                    }
                    throw new NvmeTimeoutException(what, options.timeout());
                }
            }
        }
    }
}
