package io.jvfio.api;

/**
 * An object in an iommufd context, identified by its kernel ID. Closing destroys it once; after its
 * iommufd closed, the kernel has destroyed it already and the handle is just marked closed.
 */
abstract class IommufdObject implements AutoCloseable {
    private final IommufdImpl owner;
    private final int id;
    private volatile boolean closed;

    IommufdObject(IommufdImpl owner, int id) {
        this.owner = owner;
        this.id = id;
    }

    final IommufdImpl owner() {
        return owner;
    }

    public final int id() {
        return id;
    }

    final boolean isOpen() {
        return !closed && owner.isOpen();
    }

    final void checkOpen() {
        if (!isOpen()) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    final void ownerClosed() {
        closed = true;
    }

    @Override
    public final synchronized void close() {
        if (!isOpen()) {
            closed = true;
            return;
        }
        owner.destroy(this + ".close", id);
        closed = true;
        owner.forget(this);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName().replace("Impl", "") + "[" + id + (isOpen() ? "" : ", closed") + "]";
    }
}
