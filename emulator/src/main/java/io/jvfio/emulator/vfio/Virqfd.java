package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.EventFdFile;
import io.jvfio.emulator.OpenFile;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * An eventfd that makes the kernel act when user space signals it (drivers/vfio/virqfd.c): each
 * signal runs {@code handler}, and {@code thread} when the handler asks for it (true). Linux runs
 * the thread from a workqueue; here it runs right after the handler, in the signalling thread,
 * which is one of the orders the workqueue allows. Closing the eventfd tears the virqfd down and
 * frees its slot, as EPOLLHUP does.
 */
public final class Virqfd implements EventFdFile.Listener {
    private final EventFdFile eventfd;
    private final BooleanSupplier handler;
    private final Runnable thread;
    private final AtomicReference<Virqfd> slot;

    private Virqfd(EventFdFile eventfd, BooleanSupplier handler, Runnable thread, AtomicReference<Virqfd> slot) {
        this.eventfd = eventfd;
        this.handler = handler;
        this.thread = thread;
        this.slot = slot;
    }

    /**
     * vfio_virqfd_enable: EBADF for a bad fd, EINVAL for a file that is not an eventfd, EBUSY when
     * {@code slot} holds a virqfd already. A signal pending at registration is acted on at once.
     * {@code fget} takes a file reference, dropped here: the virqfd keeps only the eventfd context.
     */
    public static void enable(
            IntFunction<OpenFile> fget,
            int fd,
            BooleanSupplier handler,
            Runnable thread,
            AtomicReference<Virqfd> slot) {
        EventFdFile e = EventFdFile.fromFd(fget, fd);
        try {
            Virqfd v = new Virqfd(e, handler, thread, slot);
            if (!slot.compareAndSet(null, v)) {
                throw new ErrnoException(Errno.EBUSY);
            }
            if (e.addListener(v)) {
                v.signalled();
            }
        } finally {
            e.put();
        }
    }

    /** vfio_virqfd_disable: no further signals reach the virqfd in {@code slot}, if any. */
    public static void disable(AtomicReference<Virqfd> slot) {
        Virqfd v = slot.getAndSet(null);
        if (v != null) {
            v.eventfd.removeListener(v);
        }
    }

    @Override
    public void signalled() {
        if (handler.getAsBoolean() && thread != null) {
            thread.run();
        }
    }

    @Override
    public void hangup() {
        if (slot.compareAndSet(this, null)) {
            eventfd.removeListener(this);
        }
    }
}
