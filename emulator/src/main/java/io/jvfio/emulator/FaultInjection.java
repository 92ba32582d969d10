package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;

/**
 * The emulated kernel's fail_nth: armed with N by one thread (like writing N to that task's
 * /proc/self/task/TID/fail-nth), the Nth fault-injection point that thread reaches afterwards
 * fails with ENOMEM, once. Fault-injection points are the places where the real kernel allocates
 * memory or pins pages; code marks them with {@link #point}.
 */
public final class FaultInjection {
    private volatile Thread armedBy;
    private long remaining;
    private long reached;
    private boolean triggered;

    /** Makes the {@code n}th point (1-based) reached by the calling thread fail. */
    public synchronized void failNth(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1");
        }
        armedBy = Thread.currentThread();
        remaining = n;
        reached = 0;
        triggered = false;
    }

    /** Stops injecting; returns whether the armed failure happened. */
    public synchronized boolean disarm() {
        armedBy = null;
        return triggered;
    }

    /** Whether the armed failure has happened. */
    public synchronized boolean triggered() {
        return triggered;
    }

    /**
     * What /proc/self/task/TID/fail-nth reads for the calling thread: the points still to pass
     * before the armed failure, 0 once it happened or when the thread armed none.
     */
    public synchronized long remaining() {
        return armedBy == Thread.currentThread() && !triggered ? remaining : 0;
    }

    /** Points the arming thread reached since {@link #failNth}. */
    public synchronized long reached() {
        return reached;
    }

    /** A fault-injection point ({@code site} names it for the message): throws ENOMEM when it is the chosen one. */
    public void point(String site) {
        if (armedBy != Thread.currentThread()) {
            return;
        }
        synchronized (this) {
            if (armedBy != Thread.currentThread() || triggered) {
                return;
            }
            reached++;
            if (--remaining == 0) {
                triggered = true;
                throw new ErrnoException(Errno.ENOMEM, null, "fail_nth at " + site);
            }
        }
    }
}
