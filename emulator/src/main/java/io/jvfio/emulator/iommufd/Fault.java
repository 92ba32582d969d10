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
import java.util.Deque;
import java.util.TreeMap;

/**
 * A fault queue ({@code struct iommufd_fault}, eventq.c): page-request groups of the HWPTs
 * allocated with it, read from its fd as {@code iommu_hwpt_pgfault} records and answered by
 * writing {@code iommu_hwpt_page_response}s (rule 28). Each group here is one page request (the
 * selftest's TRIGGER_IOPF always sets LAST_PAGE).
 */
final class Fault extends IommufdObject {
    /** One delivered group: the fault, the device, and the attachment it arrived through. */
    record Iopf(IommufdDevice idev, Object handle, int flags, int pasid, int grpid, int perm, long addr) {}

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
        deliver.removeIf(g -> g.handle == handle);
        response.values().removeIf(g -> g.handle == handle);
    }

    /** iommufd_fault_destroy: everything outstanding is answered INVALID. */
    @Override
    synchronized void destroy() {
        deliver.clear();
        response.clear();
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
                        if (done >= count || size > count - done) {
                            if (done == 0) {
                                throw new ErrnoException(Errno.EINVAL);
                            }
                            break;
                        }
                        Iopf g = deliver.removeFirst();
                        int cookie = allocCookie();
                        IommuHwptPgfault.FLAGS.set(rec, g.flags);
                        IommuHwptPgfault.DEV_ID.set(rec, g.idev.id());
                        IommuHwptPgfault.PASID.set(rec, g.pasid);
                        IommuHwptPgfault.GRPID.set(rec, g.grpid);
                        IommuHwptPgfault.PERM.set(rec, g.perm);
                        IommuHwptPgfault.ADDR.set(rec, g.addr);
                        IommuHwptPgfault.LENGTH.set(rec, 0);
                        IommuHwptPgfault.COOKIE.set(rec, cookie);
                        try {
                            UserMemory.toSegment(rec, buf.asSlice(done, size), size);
                        } catch (ErrnoException e) {
                            deliver.addFirst(g);
                            if (done == 0) {
                                throw e;
                            }
                            break;
                        }
                        response.put(cookie, g);
                        done += size;
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
                            if (response.remove(IommuHwptPageResponse.COOKIE.get(r)) == null) {
                                throw new ErrnoException(Errno.EINVAL);
                            }
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
