package io.jvfio.cli;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioPrecopyInfo;
import io.jvfio.api.Ioas;
import io.jvfio.api.Iommufd;
import io.jvfio.kernel.Kernel;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The demo's live migration of an NVMe controller between two emulated machines: one side is a
 * controller bound to the emulation's migration variant driver (jvfio-mig-vfio-pci), driven raw
 * through its device fd, with its queues in memory both machines map at the same IOVAs. The I/O
 * CQ has 4 entries, so of 8 writes 3 complete before the migration and 5 are still in the
 * controller's queues when it moves.
 */
final class NvmeMigrationDemo {
    static final String DRIVER = "jvfio-mig-vfio-pci";
    static final long IOVA = 0x200000;
    static final int MEMORY = 0x40000;
    static final int WRITES = 8;
    static final int PAGE = 4096;
    private static final long ASQ = 0x0000;
    private static final long ACQ = 0x1000;
    private static final long IOSQ = 0x2000;
    private static final long IOCQ = 0x3000;
    static final long DATA = 0x10000;
    static final long READ = 0x20000;
    private static final int ADMIN_SIZE = 4;
    private static final int IOSQ_SIZE = 16;
    private static final int IOCQ_SIZE = 4;
    private static final long CONFIG = 7L << 40;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One controller: its machine's kernel and its bound device fd; queue positions are the driver's. */
    static final class Side implements AutoCloseable {
        final Kernel k;
        final int fd;
        private final Arena arena = Arena.ofConfined();

        Side(Kernel k, String bdf, Iommufd iommufd, Ioas ioas) {
            this.k = k;
            String dev = "/sys/bus/pci/devices/" + bdf;
            try {
                String driver = k.readlink(dev + "/driver");
                sysfsWrite(dev + "/driver/unbind", bdf);
                if (driver.endsWith("/" + DRIVER)) {
                    throw new IllegalStateException("already bound to " + DRIVER);
                }
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
            sysfsWrite(dev + "/driver_override", DRIVER);
            sysfsWrite("/sys/bus/pci/drivers_probe", bdf);
            String cdev =
                    "/dev/vfio/devices/" + k.listDirectory(dev + "/vfio-dev").getFirst();
            fd = k.open(cdev, Linux.O.RDWR);
            MemorySegment bind = VfioDeviceBindIommufd.DEF.allocate(arena);
            VfioDeviceBindIommufd.IOMMUFD.set(bind, iommufd.fd());
            k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind);
            MemorySegment attach = VfioDeviceAttachIommufdPt.DEF.allocate(arena);
            VfioDeviceAttachIommufdPt.PT_ID.set(attach, ioas.id());
            k.ioctl(fd, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);
            pwrite(CONFIG + 4, 2, 0x6); // memory decode and bus mastering
        }

        private void sysfsWrite(String path, String text) {
            int f = k.open(path, Linux.O.WRONLY);
            try {
                k.write(f, arena.allocateFrom(text).asSlice(0, text.length()));
            } finally {
                k.close(f);
            }
        }

        void pwrite(long offset, int size, long value) {
            MemorySegment b = arena.allocate(8);
            b.set(ValueLayout.JAVA_LONG, 0, value);
            k.pwrite(fd, b.asSlice(0, size), offset);
        }

        long pread(long offset, int size) {
            MemorySegment b = arena.allocate(8);
            k.pread(fd, b.asSlice(0, size), offset);
            return b.get(ValueLayout.JAVA_LONG, 0);
        }

        /** MIG_DEVICE_STATE SET; the new data fd or -1. */
        int setState(int state) {
            MemorySegment f = arena.allocate(VfioDeviceFeature.DEF.size() + 8, 8);
            VfioDeviceFeature.ARGSZ.set(f, (int) f.byteSize());
            VfioDeviceFeature.FLAGS.set(f, VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE);
            MemorySegment mig = f.asSlice(VfioDeviceFeature.DEF.size());
            VfioDeviceFeatureMigState.DEVICE_STATE.set(mig, state);
            k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f);
            return VfioDeviceFeatureMigState.DATA_FD.get(mig);
        }

        long precopyInitialBytes(int dataFd) {
            MemorySegment info = VfioPrecopyInfo.DEF.allocate(arena);
            VfioPrecopyInfo.ARGSZ.set(info, (int) info.byteSize());
            k.ioctl(dataFd, VfioIoctl.VFIO_MIG_GET_PRECOPY_INFO, info);
            return VfioPrecopyInfo.INITIAL_BYTES.get(info);
        }

        /** Reads until the end of stream (0), or in PRE_COPY until its temporary end (ENOMSG). */
        byte[] drain(int dataFd) {
            MemorySegment buf = arena.allocate(1 << 16);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                for (long n; (n = k.read(dataFd, buf)) > 0; ) {
                    out.writeBytes(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                }
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENOMSG) {
                    throw e;
                }
            }
            return out.toByteArray();
        }

        void feed(int dataFd, byte[] stream) {
            MemorySegment buf = arena.allocate(Math.max(1, stream.length));
            MemorySegment.copy(MemorySegment.ofArray(stream), 0, buf, 0, stream.length);
            for (long off = 0; off < stream.length; ) {
                off += k.write(dataFd, buf.asSlice(off, Math.min(1 << 16, stream.length - off)));
            }
        }

        @Override
        public void close() {
            k.close(fd);
            arena.close();
        }
    }

    /** The driver's view of the queues, in the memory both machines map. */
    private final MemorySegment mem;

    private int adminTail;
    private int adminHead;
    private int adminPhase = 1;
    private int ioTail;
    private int ioHead;
    private int ioPhase = 1;
    private int cid;

    NvmeMigrationDemo(MemorySegment mem) {
        this.mem = mem;
    }

    /** Admin queues, enable, then an I/O CQ of 4 entries without interrupts and an SQ of 16. */
    void bringUp(Side s) {
        s.pwrite(0x24, 4, (ADMIN_SIZE - 1) << 16 | (ADMIN_SIZE - 1));
        s.pwrite(0x28, 8, IOVA + ASQ);
        s.pwrite(0x30, 8, IOVA + ACQ);
        s.pwrite(0x14, 4, 4 << 20 | 6 << 16 | 1);
        if ((s.pread(0x1c, 4) & 1) == 0) {
            throw new IllegalStateException("controller not ready (CSTS 0x" + Long.toHexString(s.pread(0x1c, 4)) + ")");
        }
        admin(s, 0x05, IOVA + IOCQ, (IOCQ_SIZE - 1) << 16 | 1, 0x1);
        admin(s, 0x01, IOVA + IOSQ, (IOSQ_SIZE - 1) << 16 | 1, 1 << 16 | 0x1);
    }

    private void sqe(long at, int opcode, long prp1, int cdw10, int cdw11, int cdw12) {
        mem.asSlice(at, 64).fill((byte) 0);
        mem.set(U32, at, opcode | (++cid & 0xffff) << 16);
        mem.set(U32, at + 4, opcode == 0x01 || opcode == 0x02 ? 1 : 0);
        mem.set(U64, at + 24, prp1);
        mem.set(U32, at + 40, cdw10);
        mem.set(U32, at + 44, cdw11);
        mem.set(U32, at + 48, cdw12);
    }

    private void admin(Side s, int opcode, long prp1, int cdw10, int cdw11) {
        sqe(ASQ + adminTail * 64L, opcode, prp1, cdw10, cdw11, 0);
        adminTail = (adminTail + 1) % ADMIN_SIZE;
        s.pwrite(0x1000, 4, adminTail);
        long cqe = ACQ + adminHead * 16L;
        int dw3 = mem.get(U32, cqe + 12);
        if ((dw3 >>> 16 & 1) != adminPhase || dw3 >>> 17 != 0) {
            throw new IllegalStateException("admin command 0x" + Integer.toHexString(opcode) + " failed");
        }
        adminHead = (adminHead + 1) % ADMIN_SIZE;
        if (adminHead == 0) {
            adminPhase ^= 1;
        }
        s.pwrite(0x1004, 4, adminHead);
    }

    /** Queues {@code WRITES} 4 KiB writes (page i of DATA to LBA 8i) and rings the tail once. */
    void submitWrites(Side s) {
        for (int i = 0; i < WRITES; i++) {
            sqe(IOSQ + ioTail * 64L, 0x01, IOVA + DATA + (long) i * PAGE, i * 8, 0, 7);
            ioTail = (ioTail + 1) % IOSQ_SIZE;
        }
        s.pwrite(0x1008, 4, ioTail);
    }

    /** I/O completions posted and not yet consumed; consumes them without ringing the head doorbell. */
    int takePosted() {
        int n = 0;
        while (true) {
            int dw3 = mem.get(U32, IOCQ + ioHead * 16L + 12);
            if ((dw3 >>> 16 & 1) != ioPhase) {
                return n;
            }
            if (dw3 >>> 17 != 0) {
                throw new IllegalStateException("I/O failed with status 0x" + Integer.toHexString(dw3 >>> 17));
            }
            ioHead = (ioHead + 1) % IOCQ_SIZE;
            if (ioHead == 0) {
                ioPhase ^= 1;
            }
            n++;
        }
    }

    /** Consumes completions, ringing the CQ head doorbell of {@code s}, until {@code count} arrived. */
    void complete(Side s, int count) {
        int got = 0;
        for (int spins = 0; got < count && spins < 1000; spins++) {
            int n = takePosted();
            got += n;
            s.pwrite(0x100c, 4, ioHead);
        }
        if (got < count) {
            throw new IllegalStateException("only " + got + " of " + count + " completions arrived");
        }
    }

    /** Reads LBA 8i back into page i of READ, one command at a time. */
    void readBack(Side s) {
        for (int i = 0; i < WRITES; i++) {
            sqe(IOSQ + ioTail * 64L, 0x02, IOVA + READ + (long) i * PAGE, i * 8, 0, 7);
            ioTail = (ioTail + 1) % IOSQ_SIZE;
            s.pwrite(0x1008, 4, ioTail);
            complete(s, 1);
        }
    }
}
