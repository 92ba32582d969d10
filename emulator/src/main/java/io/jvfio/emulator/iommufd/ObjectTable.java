package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.FaultInjection;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The per-fd object xarray: IDs are the lowest free number from 1 (31-bit), shared by all object
 * kinds. An allocated object holds its ID but stays invisible to lookups until {@link #finalize}
 * (after its ioctl succeeded, copy-out included); {@link #abort} frees ID and object instead.
 *
 * <p>Everything but {@link #get} holds the table's monitor (the kernel's xa_lock). A lookup, done by
 * every ioctl on an object, takes no lock: it reads the published slot and takes a reference
 * unless the object's users already dropped to 0, which every path that unpublishes does first (by
 * compare-and-set from 1), so a lookup never revives an object on its way out. (The kernel takes
 * xa_lock for the lookup, a spinlock whose holder is never preempted; a Java monitor's holder can
 * be, and two threads of one context then queue behind it.)
 */
final class ObjectTable {
    private static final int MAX_ID = Integer.MAX_VALUE;

    private final List<IommufdObject> slots = new ArrayList<>();
    /** The published objects by ID; only grows, replaced whole under the monitor. */
    private volatile AtomicReferenceArray<IommufdObject> published = new AtomicReferenceArray<>(16);

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
        int id = obj.id();
        AtomicReferenceArray<IommufdObject> p = published;
        if (id >= p.length()) {
            AtomicReferenceArray<IommufdObject> grown = new AtomicReferenceArray<>(Math.max(id + 1, p.length() * 2));
            for (int i = 0; i < p.length(); i++) {
                grown.set(i, p.get(i));
            }
            published = p = grown;
        }
        p.set(id, obj);
    }

    private void unpublish(int id) {
        AtomicReferenceArray<IommufdObject> p = published;
        if (id < p.length()) {
            p.set(id, null);
        }
    }

    /** The published object {@code id}, or null. */
    private IommufdObject publishedObject(int id) {
        AtomicReferenceArray<IommufdObject> p = published;
        return id > 0 && id < p.length() ? p.get(id) : null;
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
    IommufdObject get(int id, ObjectType type) {
        IommufdObject obj = publishedObject(id);
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
        IommufdObject obj = publishedObject(id);
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
        if (publishedObject(obj.id()) == obj && obj.users.compareAndSet(1, 0)) {
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
        if (publishedObject(obj.id()) != obj || !obj.users.compareAndSet(1, 0)) {
            return false;
        }
        slots.set(obj.id(), null);
        unpublish(obj.id());
        return true;
    }

    private void drop(IommufdObject obj) {
        slots.set(obj.id(), null);
        unpublish(obj.id());
        taken.clear(obj.id());
    }

    synchronized boolean isEmpty() {
        return taken.cardinality() == 1;
    }

    /** Published objects (a snapshot). */
    synchronized List<IommufdObject> objects() {
        List<IommufdObject> out = new ArrayList<>();
        AtomicReferenceArray<IommufdObject> p = published;
        for (int id = 1; id < p.length(); id++) {
            if (p.get(id) != null) {
                out.add(p.get(id));
            }
        }
        return out;
    }

    /**
     * One teardown pass for close: unpublishes every object whose only user is the table and
     * returns them, in ID order, for destruction.
     */
    synchronized List<IommufdObject> takeLeaves() {
        List<IommufdObject> out = new ArrayList<>();
        for (IommufdObject obj : objects()) {
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
