package io.jvfio.emulator.iommufd;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An object in an iommufd's table ({@code struct iommufd_object}). {@code users} counts the table's
 * own reference (1 while the object is published), ioctls currently using it, and long-term users
 * such as a HWPT holding its IOAS; DESTROY succeeds only while the table's reference is the only
 * one.
 */
abstract class IommufdObject {
    private final ObjectType type;
    private int id;
    final AtomicInteger users = new AtomicInteger(1);

    IommufdObject(ObjectType type) {
        this.type = type;
    }

    final ObjectType type() {
        return type;
    }

    /** The object's ID in its iommufd (what user space passes as dev_id, pt_id, ...). */
    public final int id() {
        return id;
    }

    final void setId(int id) {
        this.id = id;
    }

    /** Takes a long-term reference (the object can then not be destroyed). */
    final void incUsers() {
        users.incrementAndGet();
    }

    /** Drops a reference taken by {@link #incUsers} or a lookup. */
    /** refcount_inc_not_zero: false once the object is being destroyed. */
    final boolean tryIncUsers() {
        int u;
        do {
            u = users.get();
            if (u == 0) {
                return false;
            }
        } while (!users.compareAndSet(u, u + 1));
        return true;
    }

    final void decUsers() {
        users.decrementAndGet();
    }

    /** Frees everything the object holds; runs once, after it left the table. */
    abstract void destroy();
}
