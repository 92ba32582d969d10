package io.jvfio.emulator;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A wait queue for poll(2): pollers register a {@link Waiter} on every file they watch, and a file
 * whose state changed calls {@link #wakeUp}. Waiters park with a lock/condition, which works for
 * platform and virtual threads alike.
 */
public final class WaitQueue {
    private final Set<Waiter> waiters = new CopyOnWriteArraySet<>();
    private final Set<Runnable> watchers = new CopyOnWriteArraySet<>();

    public void wakeUp() {
        for (Waiter w : waiters) {
            w.wake();
        }
        for (Runnable r : watchers) {
            r.run();
        }
    }

    /**
     * Runs {@code watcher} at every wake-up from now on (what a kernel server needs to mirror a
     * file's readiness into a real fd); it must be quick and must not call back into the file.
     */
    public void watch(Runnable watcher) {
        watchers.add(watcher);
    }

    public void unwatch(Runnable watcher) {
        watchers.remove(watcher);
    }

    void add(Waiter w) {
        waiters.add(w);
    }

    void remove(Waiter w) {
        waiters.remove(w);
    }

    /** One poll(2) call's wake-up flag. */
    static final class Waiter {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition woken = lock.newCondition();
        private boolean pending;

        void wake() {
            lock.lock();
            try {
                pending = true;
                woken.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Waits until woken or {@code nanos} passed (negative: forever); clears the flag. */
        void await(long nanos) throws InterruptedException {
            lock.lock();
            try {
                while (!pending) {
                    if (nanos < 0) {
                        woken.await();
                    } else {
                        if (nanos == 0) {
                            break;
                        }
                        nanos = woken.awaitNanos(nanos);
                        if (nanos <= 0) {
                            break;
                        }
                    }
                }
                pending = false;
            } finally {
                lock.unlock();
            }
        }
    }
}
