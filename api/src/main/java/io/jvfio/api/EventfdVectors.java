package io.jvfio.api;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.PollFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Eventfds standing for interrupt vectors: blocking waits, and handlers called on one dedicated
 * platform thread that polls the vectors with handlers plus a wake-up eventfd (so handler changes
 * and close take effect at once). Independent of VFIO, so it is tested on real eventfds.
 */
final class EventfdVectors implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventfdVectors.class.getName());

    private final Kernel kernel;
    private final String name;
    private final int[] fds;
    private final int wakeFd;
    private final Map<Integer, IrqHandler> handlers = new ConcurrentHashMap<>();
    private Thread dispatcher;
    private volatile boolean closed;

    /** {@code count} fresh eventfds; none is left open if creating one fails. */
    EventfdVectors(Kernel kernel, String name, int count) {
        this.kernel = kernel;
        this.name = name;
        this.fds = new int[count];
        List<Integer> created = new ArrayList<>();
        try {
            for (int i = 0; i <= count; i++) {
                created.add(Sys.GENERIC.call(
                        "eventfd for " + name, () -> kernel.eventfd(0, Linux.Efd.CLOEXEC | Linux.Efd.NONBLOCK)));
            }
        } catch (RuntimeException e) {
            created.forEach(kernel::close);
            throw e;
        }
        for (int i = 0; i < count; i++) {
            fds[i] = created.get(i);
        }
        this.wakeFd = created.get(count);
    }

    int count() {
        return fds.length;
    }

    int fd(int vector) {
        checkVector(vector);
        return fds[vector];
    }

    /** The vector's eventfd numbers, for VFIO_DEVICE_SET_IRQS. */
    int[] fds() {
        return fds.clone();
    }

    private void checkVector(int vector) {
        if (vector < 0 || vector >= fds.length) {
            throw new IndexOutOfBoundsException("vector " + vector + " of " + fds.length);
        }
    }

    long await(int vector, Duration timeout) {
        checkVector(vector);
        if (handlers.containsKey(vector)) {
            throw new IllegalStateException("vector " + vector + " of " + name + " has a handler");
        }
        long start = System.nanoTime();
        // Saturated, so that a very long time-out neither overflows nor ends at once.
        long budget = timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : timeout.toNanos();
        while (true) {
            long count = drain(fds[vector]);
            long left = budget - (System.nanoTime() - start);
            if (count > 0 || left <= 0) {
                return count;
            }
            int millis = (int) Math.min(
                    Integer.MAX_VALUE, Math.max(1, Duration.ofNanos(left).toMillis()));
            Sys.GENERIC.run(
                    "await " + name + " vector " + vector,
                    () -> kernel.poll(List.of(new PollFd(fds[vector], Linux.Poll.IN)), millis));
        }
    }

    /** Reads and resets the eventfd counter: 0 when it was not signalled. */
    private long drain(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment counter = a.allocate(ValueLayout.JAVA_LONG);
            kernel.read(fd, counter);
            return counter.get(ValueLayout.JAVA_LONG, 0);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EAGAIN) {
                return 0;
            }
            throw Sys.GENERIC.wrap("read eventfd of " + name, e);
        }
    }

    /** Signals {@code fd} as the kernel would (eventfd_signal). */
    private void signal(int fd) {
        try (Arena a = Arena.ofConfined()) {
            Sys.GENERIC.run(
                    "signal eventfd of " + name, () -> kernel.write(fd, a.allocateFrom(ValueLayout.JAVA_LONG, 1)));
        }
    }

    /** Raises {@code vector} from software; used by tests and by nothing that needs a device. */
    void raise(int vector) {
        signal(fd(vector));
    }

    synchronized void onInterrupt(int vector, IrqHandler handler) {
        checkVector(vector);
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (handler == null) {
            handlers.remove(vector);
        } else {
            handlers.put(vector, handler);
        }
        if (dispatcher == null) {
            dispatcher = Thread.ofPlatform().name("jvfio-irq-" + name).daemon().start(this::dispatch);
        } else {
            signal(wakeFd);
        }
    }

    private void dispatch() {
        while (!closed) {
            List<Integer> vectors = new ArrayList<>(handlers.keySet());
            List<PollFd> polled = new ArrayList<>();
            polled.add(new PollFd(wakeFd, Linux.Poll.IN));
            vectors.forEach(v -> polled.add(new PollFd(fds[v], Linux.Poll.IN)));
            short[] revents;
            try {
                revents = kernel.poll(polled, -1);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EINTR) {
                    continue;
                }
                LOG.log(System.Logger.Level.ERROR, "IRQ dispatch of " + name + " stopped", e);
                return;
            }
            if (revents[0] != 0) {
                drain(wakeFd);
            }
            for (int i = 0; i < vectors.size(); i++) {
                if (revents[i + 1] != 0 && !closed) {
                    deliver(vectors.get(i));
                }
            }
        }
    }

    private void deliver(int vector) {
        long count = drain(fds[vector]);
        IrqHandler h = handlers.get(vector);
        if (count == 0 || h == null) {
            return;
        }
        try {
            h.interrupt(vector, count);
        } catch (RuntimeException e) {
            // One failing handler must not stop interrupts for the others.
            LOG.log(System.Logger.Level.ERROR, "IRQ handler of " + name + " vector " + vector + " failed", e);
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = dispatcher;
        }
        if (t != null) {
            signal(wakeFd);
            if (t != Thread.currentThread()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (int fd : fds) {
            kernel.close(fd);
        }
        kernel.close(wakeFd);
    }
}
