package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuFaultAlloc;
import io.jvfio.abi.iommufd.IommuHwptPageResponse;
import io.jvfio.abi.iommufd.IommuHwptPgfault;
import io.jvfio.emulator.UserMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.TreeMap;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * A fault queue ({@code struct iommufd_fault}, eventq.c): page-request groups of the HWPTs
 * allocated with it, read from its fd as {@code iommu_hwpt_pgfault} records and answered by
 * writing {@code iommu_hwpt_page_response}s (rule 28). Groups come from the selftest's TRIGGER_IOPF
 * (one page, LAST_PAGE) and from page requests of PRI-capable emulated devices (every missing page
 * of a DMA); a response goes back to the device.
 */
final class Fault extends IommufdObject {
    /**
     * One delivered group: the device, the attachment it arrived through, the last fault's flags
     * (the others lack LAST_PAGE), one address per fault in order, and where the response goes
     * (iopf_group_response: an IOMMUFD_PAGE_RESP_* code).
     */
    record Iopf(
            IommufdDevice idev,
            Object handle,
            int flags,
            int pasid,
            int grpid,
            int perm,
            long[] addrs,
            IntConsumer response) {}

    private final IommufdCtx ictx;
    private final Deque<Iopf> deliver = new ArrayDeque<>();
    /** Read groups awaiting a response, by cookie (IDs from 1, lowest free). */
    private final TreeMap<Integer, Iopf> response = new TreeMap<>();

    private FaultFile file;

    private Fault(IommufdCtx ictx) {
        super(ObjectType.FAULT);
        this.ictx = ictx;
    }

    /** IOMMU_FAULT_QUEUE_ALLOC: a FAULT object and its fd. */
    static void alloc(Ucmd u) {
        if (IommuFaultAlloc.FLAGS.get(u.cmd) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        Fault fault = new Fault(u.ctx);
        u.ctx.objects.allocate(fault);
        u.newObj = fault;
        IommuFaultAlloc.OUT_FAULT_ID.set(u.cmd, fault.id());
        fault.file = EventqFile.install(u, fault::newFile, fd -> IommuFaultAlloc.OUT_FAULT_FD.set(u.cmd, fd));
    }

    private FaultFile newFile() {
        return new FaultFile();
    }

    /** iommufd_fault_iopf_handler: queues a group and wakes readers. */
    void deliver(Iopf iopf) {
        synchronized (this) {
            deliver.addLast(iopf);
        }
        file.waitQueue().wakeUp();
    }

    /** iommufd_auto_response_faults: answers (INVALID) every group that came through {@code handle}. */
    synchronized void autoResponse(Object handle) {
        respondInvalid(deliver, g -> g.handle == handle);
        respondInvalid(response.values(), g -> g.handle == handle);
    }

    /** iommufd_fault_destroy: everything outstanding is answered INVALID. */
    @Override
    synchronized void destroy() {
        respondInvalid(deliver, g -> true);
        respondInvalid(response.values(), g -> true);
    }

    private static void respondInvalid(Collection<Iopf> groups, Predicate<Iopf> which) {
        groups.removeIf(g -> {
            if (which.test(g)) {
                g.response.accept(IommuHwptPageResponse.INVALID);
                return true;
            }
            return false;
        });
    }

    private int allocCookie() {
        int cookie = 1;
        for (int used : response.keySet()) {
            if (used != cookie) {
                break;
            }
            cookie++;
        }
        return cookie;
    }

    /** The fault fd. */
    private final class FaultFile extends EventqFile {
        FaultFile() {
            super(Fault.this, ictx);
        }

        /**
         * iommufd_fault_fops_read: whole groups while they fit; ESPIPE for a count not a multiple of
         * the record, EINVAL if the first group does not fit, 0 when empty.
         */
        @Override
        public long read(MemorySegment buf) {
            long size = IommuHwptPgfault.DEF.size();
            long count = buf.byteSize();
            if (count % size != 0) {
                throw new ErrnoException(Errno.ESPIPE);
            }
            synchronized (Fault.this) {
                long done = 0;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment rec = IommuHwptPgfault.DEF.allocate(arena);
                    while (!deliver.isEmpty()) {
                        Iopf g = deliver.peekFirst();
                        if (done >= count || size * g.addrs.length > count - done) {
                            if (done == 0) {
                                throw new ErrnoException(Errno.EINVAL);
                            }
                            break;
                        }
                        int cookie = allocCookie();
                        try {
                            for (int i = 0; i < g.addrs.length; i++) {
                                boolean last = i == g.addrs.length - 1;
                                IommuHwptPgfault.FLAGS.set(
                                        rec, last ? g.flags : g.flags & ~IommuHwptPgfault.FLAGS_LAST_PAGE);
                                IommuHwptPgfault.DEV_ID.set(rec, g.idev.id());
                                IommuHwptPgfault.PASID.set(rec, g.pasid);
                                IommuHwptPgfault.GRPID.set(rec, g.grpid);
                                IommuHwptPgfault.PERM.set(rec, g.perm);
                                IommuHwptPgfault.ADDR.set(rec, g.addrs[i]);
                                IommuHwptPgfault.LENGTH.set(rec, 0);
                                IommuHwptPgfault.COOKIE.set(rec, cookie);
                                UserMemory.toSegment(rec, buf.asSlice(done + i * size, size), size);
                            }
                        } catch (ErrnoException e) {
                            if (done == 0) {
                                throw e;
                            }
                            break;
                        }
                        deliver.removeFirst();
                        response.put(cookie, g);
                        done += size * g.addrs.length;
                    }
                }
                return done;
            }
        }

        /**
         * iommufd_fault_fops_write: 8-byte responses (ESPIPE otherwise); a code other than SUCCESS
         * or INVALID, or an unknown cookie, is EINVAL (after the responses before it were taken).
         */
        @Override
        public long write(MemorySegment buf) {
            long size = IommuHwptPageResponse.DEF.size();
            long count = buf.byteSize();
            if (count % size != 0) {
                throw new ErrnoException(Errno.ESPIPE);
            }
            synchronized (Fault.this) {
                long done = 0;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment r = IommuHwptPageResponse.DEF.allocate(arena);
                    while (count > done) {
                        try {
                            UserMemory.fromSegment(buf.asSlice(done, size), r, size);
                            int code = IommuHwptPageResponse.CODE.get(r);
                            if (code != IommuHwptPageResponse.SUCCESS && code != IommuHwptPageResponse.INVALID) {
                                throw new ErrnoException(Errno.EINVAL);
                            }
                            Iopf g = response.remove(IommuHwptPageResponse.COOKIE.get(r));
                            if (g == null) {
                                throw new ErrnoException(Errno.EINVAL);
                            }
                            g.response.accept(code);
                        } catch (ErrnoException e) {
                            if (done == 0) {
                                throw e;
                            }
                            break;
                        }
                        done += size;
                    }
                }
                return done;
            }
        }

        @Override
        public long pwrite(MemorySegment buf, long offset) {
            if (offset != 0) {
                throw new ErrnoException(Errno.ESPIPE);
            }
            return write(buf);
        }

        @Override
        public short poll() {
            synchronized (Fault.this) {
                return (short) (Linux.Poll.OUT | (deliver.isEmpty() ? 0 : Linux.Poll.IN));
            }
        }
    }
}
