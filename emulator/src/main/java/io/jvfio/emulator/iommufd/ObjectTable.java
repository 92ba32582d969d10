package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.FaultInjection;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * The per-fd object xarray: IDs are the lowest free number from 1 (31-bit), shared by all object
 * kinds. An allocated object holds its ID but stays invisible to lookups until {@link #finalize}
 * (after its ioctl succeeded, copy-out included); {@link #abort} frees ID and object instead.
 */
final class ObjectTable {
    private static final int MAX_ID = Integer.MAX_VALUE;

    private final List<IommufdObject> slots = new ArrayList<>();
    private final BitSet published = new BitSet();
    private final BitSet taken = new BitSet();
    private final FaultInjection faults;

    ObjectTable(FaultInjection faults) {
        this.faults = faults;
        slots.add(null); // ID 0 is never used
        taken.set(0);
    }

    /** Reserves an ID for {@code obj} (xa_alloc); ENOMEM from fault injection, ENOSPC when full. */
    synchronized void allocate(IommufdObject obj) {
        faults.point("iommufd_object_alloc");
        int id = taken.nextClearBit(1);
        if (id >= MAX_ID) {
            throw new ErrnoException(Errno.ENOSPC);
        }
        taken.set(id);
        while (slots.size() <= id) {
            slots.add(null);
        }
        slots.set(id, obj);
        obj.setId(id);
    }

    /** Publishes an allocated object. */
    synchronized void publish(IommufdObject obj) {
        published.set(obj.id());
    }

    /** Frees an allocated but unpublished object. */
    void abort(IommufdObject obj) {
        synchronized (this) {
            slots.set(obj.id(), null);
            taken.clear(obj.id());
        }
        obj.destroy();
    }

    /**
     * iommufd_get_object: the published object {@code id} of kind {@code type} (any kind when null)
     * with a new reference; ENOENT if absent, of another kind, or being destroyed.
     */
    synchronized IommufdObject get(int id, ObjectType type) {
        IommufdObject obj = id > 0 && published.get(id) ? slots.get(id) : null;
        if (obj == null || (type != null && obj.type() != type)) {
            throw new ErrnoException(Errno.ENOENT);
        }
        int u;
        do {
            u = obj.users.get();
            if (u == 0) {
                throw new ErrnoException(Errno.ENOENT);
            }
        } while (!obj.users.compareAndSet(u, u + 1));
        return obj;
    }

    /**
     * IOMMU_DESTROY: unpublishes {@code id} if the table holds the only reference (EBUSY otherwise,
     * ENOENT if absent) and returns it for the caller to destroy outside the lock.
     */
    synchronized IommufdObject remove(int id) {
        IommufdObject obj = id > 0 && published.get(id) ? slots.get(id) : null;
        if (obj == null) {
            throw new ErrnoException(Errno.ENOENT);
        }
        if (!obj.users.compareAndSet(1, 0)) {
            throw new ErrnoException(Errno.EBUSY);
        }
        drop(obj);
        return obj;
    }

    /** Drops a reference; unpublishes {@code obj} and returns true if only the table's reference is left. */
    synchronized boolean putAndTryRemove(IommufdObject obj) {
        obj.decUsers();
        if (published.get(obj.id()) && slots.get(obj.id()) == obj && obj.users.compareAndSet(1, 0)) {
            drop(obj);
            return true;
        }
        return false;
    }

    /**
     * iommufd_object_destroy_user for an object whose kernel user drops its reference now (unbind,
     * access destroy): unpublishes it; EBUSY (a caller bug in the kernel) if still in use.
     */
    synchronized void removeUser(IommufdObject obj) {
        obj.decUsers();
        if (!obj.users.compareAndSet(1, 0)) {
            obj.incUsers();
            throw new ErrnoException(Errno.EBUSY);
        }
        drop(obj);
    }

    /**
     * iommufd_object_tombstone_user: unpublishes {@code obj} if only the table holds it, keeping its
     * ID taken until the context is closed; false if it is gone already.
     */
    synchronized boolean tombstone(IommufdObject obj) {
        if (!published.get(obj.id()) || slots.get(obj.id()) != obj || !obj.users.compareAndSet(1, 0)) {
            return false;
        }
        slots.set(obj.id(), null);
        published.clear(obj.id());
        return true;
    }

    private void drop(IommufdObject obj) {
        slots.set(obj.id(), null);
        published.clear(obj.id());
        taken.clear(obj.id());
    }

    synchronized boolean isEmpty() {
        return taken.cardinality() == 1;
    }

    /** Published objects (a snapshot). */
    synchronized List<IommufdObject> objects() {
        List<IommufdObject> out = new ArrayList<>();
        for (int id = published.nextSetBit(0); id >= 0; id = published.nextSetBit(id + 1)) {
            out.add(slots.get(id));
        }
        return out;
    }

    /**
     * One teardown pass for close: unpublishes every object whose only user is the table and
     * returns them, in ID order, for destruction.
     */
    synchronized List<IommufdObject> takeLeaves() {
        List<IommufdObject> out = new ArrayList<>();
        for (int id = published.nextSetBit(0); id >= 0; id = published.nextSetBit(id + 1)) {
            IommufdObject obj = slots.get(id);
            if (obj.users.compareAndSet(1, 0)) {
                out.add(obj);
            }
        }
        for (IommufdObject obj : out) {
            drop(obj);
        }
        // A vDEVICE holds its device, whose selftest owner unbinds it: taken in the same round,
        // the vDEVICE must go first (the kernel's unbind would remove it while still in the table).
        out.sort(Comparator.comparing(o -> o.type() != ObjectType.VDEVICE));
        return out;
    }
}
