package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuVeventqAlloc;
import io.jvfio.abi.iommufd.IommufdVeventHeader;
import io.jvfio.emulator.UserMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A vEVENTQ ({@code struct iommufd_veventq}, eventq.c): the events of one type a vIOMMU reports,
 * read from its fd as an {@code iommufd_vevent_header} followed by the event's data (rule 30).
 * At most {@code depth} events wait; further ones are lost, which a LOST_EVENTS header at the
 * tail (carrying the next sequence number) tells the reader.
 */
final class Veventq extends IommufdObject {
    /** VEVENTQ_MAX_DEPTH. */
    static final long MAX_DEPTH = 1L << 19;

    /** A queued event; {@code data == null} is the queue's single lost-events record. */
    private static final class Event {
        final byte[] data;
        int sequence;

        Event(byte[] data) {
            this.data = data;
        }
    }

    final Viommu viommu;
    final int type;
    private final long depth;
    private final IommufdCtx ictx;
    /** Guarded by this. */
    private final Deque<Event> deliver = new ArrayDeque<>();
    /** The lost-events record, queued at most once and then always last; guarded by this. */
    private final Event lost = new Event(null);

    private int numEvents;
    private int sequence;
    private VeventqFile file;

    private Veventq(Viommu viommu, int type, long depth, IommufdCtx ictx) {
        super(ObjectType.VEVENTQ);
        this.viommu = viommu;
        this.type = type;
        this.depth = depth;
        this.ictx = ictx;
    }

    /**
     * iommufd_veventq_alloc: EOPNOTSUPP for flags, {@code __reserved} or the DEFAULT type; EINVAL
     * for a depth of 0 or above 2^19; ENOENT for the vIOMMU; EEXIST if it already has a vEVENTQ of
     * this type. Any other type is accepted.
     */
    static void alloc(Ucmd u) {
        MemorySegment c = u.cmd;
        int type = IommuVeventqAlloc.TYPE.get(c);
        if (IommuVeventqAlloc.FLAGS.get(c) != 0
                || IommuVeventqAlloc.RESERVED.get(c) != 0
                || type == IommuVeventqAlloc.TYPE_DEFAULT) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        long depth = IommuVeventqAlloc.VEVENTQ_DEPTH.getUnsigned(c);
        if (depth == 0 || depth > MAX_DEPTH) {
            throw new ErrnoException(Errno.EINVAL);
        }
        Viommu viommu = (Viommu) u.ctx.objects.get(IommuVeventqAlloc.VIOMMU_ID.get(c), ObjectType.VIOMMU);
        try {
            synchronized (viommu.veventqs) {
                if (viommu.veventqs.containsKey(type)) {
                    throw new ErrnoException(Errno.EEXIST);
                }
                Veventq q = new Veventq(viommu, type, depth, u.ctx);
                u.ctx.objects.allocate(q);
                u.newObj = q;
                viommu.incUsers();
                viommu.veventqs.put(type, q);
                IommuVeventqAlloc.OUT_VEVENTQ_ID.set(c, q.id());
                q.file = EventqFile.install(u, q::newFile, fd -> IommuVeventqAlloc.OUT_VEVENTQ_FD.set(c, fd));
            }
        } finally {
            u.ctx.put(viommu);
        }
    }

    /**
     * iommufd_viommu_report_event after the queue lookup: queues a copy of {@code data}, or, with
     * {@code depth} events waiting, (re)queues the lost-events record; either takes the next
     * sequence number (modulo 2^31).
     */
    void report(byte[] data) {
        synchronized (this) {
            Event e;
            if (numEvents == depth) {
                e = lost;
            } else {
                e = new Event(data.clone());
                numEvents++;
            }
            if (deliver.peekLast() == lost) {
                deliver.removeLast();
            }
            deliver.addLast(e);
            e.sequence = sequence;
            sequence = (sequence + 1) & Integer.MAX_VALUE;
        }
        file.waitQueue().wakeUp();
    }

    /** iommufd_veventq_destroy: leaves its vIOMMU, queued events are dropped. */
    @Override
    void destroy() {
        synchronized (viommu.veventqs) {
            viommu.veventqs.remove(type, this);
        }
        synchronized (this) {
            deliver.clear();
        }
        viommu.decUsers();
    }

    private VeventqFile newFile() {
        return new VeventqFile();
    }

    /** The vEVENTQ fd: read and poll only. */
    private final class VeventqFile extends EventqFile {
        VeventqFile() {
            super(Veventq.this, ictx);
        }

        /**
         * iommufd_veventq_fops_read: EINVAL below a header's size; whole events (header + data)
         * while they fit, a lost-events record needing only its header; EINVAL if the first normal
         * event does not fit; a fault stops the read (EFAULT if nothing was read); 0 when empty.
         */
        @Override
        public long read(MemorySegment buf) {
            long hdrSize = IommufdVeventHeader.DEF.size();
            long count = buf.byteSize();
            if (count < hdrSize) {
                throw new ErrnoException(Errno.EINVAL);
            }
            synchronized (Veventq.this) {
                long done = 0;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment hdr = IommufdVeventHeader.DEF.allocate(arena);
                    while (!deliver.isEmpty()) {
                        Event e = deliver.peekFirst();
                        if (done >= count || hdrSize > count - done) {
                            break;
                        }
                        long dataLen = e.data == null ? 0 : e.data.length;
                        if (e != lost && hdrSize + dataLen > count - done) {
                            if (done == 0) {
                                throw new ErrnoException(Errno.EINVAL);
                            }
                            break;
                        }
                        IommufdVeventHeader.FLAGS.set(hdr, e == lost ? IommufdVeventHeader.FLAG_LOST_EVENTS : 0);
                        IommufdVeventHeader.SEQUENCE.set(hdr, e.sequence);
                        try {
                            UserMemory.toSegment(hdr, buf.asSlice(done, hdrSize), hdrSize);
                            if (dataLen != 0) {
                                UserMemory.toSegment(
                                        MemorySegment.ofArray(e.data), buf.asSlice(done + hdrSize, dataLen), dataLen);
                            }
                        } catch (ErrnoException ex) {
                            if (done == 0) {
                                throw ex;
                            }
                            return done;
                        }
                        deliver.removeFirst();
                        if (e != lost) {
                            numEvents--;
                        }
                        done += hdrSize + dataLen;
                    }
                }
                return done;
            }
        }

        @Override
        public short poll() {
            synchronized (Veventq.this) {
                return (short) (deliver.isEmpty() ? 0 : Linux.Poll.IN);
            }
        }
    }
}
