package io.jvfio.emulator.iommu;

import io.jvfio.kernel.nativeimpl.Membarrier;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.StampedLock;

/**
 * What a DMA holds across translate and copy, and what removes translations (unmap, detach, dirty
 * reads and toggles, nested invalidation) takes exclusively: a read-write lock biased to readers
 * (BRAVO, Dice and Kogan). Two atomic updates of a shared word per DMA would cost more than copying
 * 64 bytes, so while the lock is <em>biased</em> a DMA only marks its thread's {@link Reader} as
 * inside this lock and checks the bias; a writer clears the bias, then waits until no reader is
 * marked inside, then takes the write lock as before. A DMA that finds the bias clear takes the read
 * lock, and may set the bias again unless a writer revoked it so recently that biasing would cost
 * writers more than it saves readers.
 *
 * <p>The reader's mark must be visible before it reads the bias (store then load), which normally
 * needs a full fence. Where the host has membarrier(2) the writer issues one instead, after
 * clearing the bias and before looking at the marks: every thread then has executed a barrier
 * between the two, so either the writer sees a reader's mark or that reader sees the bias clear.
 * The reader keeps only a compiler-level fence, which orders its mark before its load of the bias
 * in the JIT's code (the CPU's store-to-load reordering is what membarrier undoes). Without
 * membarrier readers fence themselves.
 */
final class DmaLock {
    private static final boolean ASYMMETRIC = Membarrier.available();
    /** A writer's revocation may cost at most about 1/{@value} of the time until the next bias. */
    private static final long INHIBIT_FACTOR = 16;

    /** Every thread that has done a DMA: a writer looks for its mark. */
    private static final CopyOnWriteArrayList<Reader> READERS = new CopyOnWriteArrayList<>();

    private static final VarHandle ACTIVE;

    static {
        try {
            ACTIVE = MethodHandles.lookup().findVarHandle(Reader.class, "active", DmaLock.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final StampedLock lock = new StampedLock();
    /** DMA may enter without the lock. Set only under the read lock, cleared only under the write lock. */
    private volatile boolean biased;
    /** No bias before this (nanoTime); written under the write lock, read under the read lock. */
    private long inhibitUntil = System.nanoTime();

    /** One thread's mark: the lock it is inside without holding it, or null. Written only by its thread. */
    static final class Reader {
        final long threadId = Thread.currentThread().threadId();
        private final WeakReference<Thread> thread = new WeakReference<>(Thread.currentThread());

        @SuppressWarnings("unused") // through ACTIVE
        private volatile DmaLock active;

        /** The calling thread's mark, known to writers from now on. */
        Reader() {
            READERS.add(this);
        }

        private boolean gone() {
            Thread t = thread.get();
            return (t == null || !t.isAlive()) && ACTIVE.getAcquire(this) == null;
        }
    }

    /**
     * Enters without the lock if it is biased; true when entered (leave with {@link #exit}). The
     * caller must be {@code r}'s thread.
     */
    boolean tryEnter(Reader r) {
        if (ACTIVE.getOpaque(r) != null) {
            return false; // a DMA from inside a DMA (a consumer calling back) takes the lock
        }
        ACTIVE.setOpaque(r, this);
        if (ASYMMETRIC) {
            VarHandle.releaseFence(); // a compiler barrier here: the writer's membarrier is the CPU's
        } else {
            VarHandle.fullFence();
        }
        if (biased) {
            return true;
        }
        ACTIVE.setRelease(r, null);
        return false;
    }

    /** Leaves what {@link #tryEnter} entered: every access before it is done before a writer proceeds. */
    static void exit(Reader r) {
        ACTIVE.setRelease(r, null);
    }

    long readLock() {
        return lock.readLock();
    }

    void unlockRead(long stamp) {
        lock.unlockRead(stamp);
    }

    /** Under the read lock: lets the next DMAs enter without it, unless a writer revoked lately. */
    void bias() {
        if (!biased && System.nanoTime() - inhibitUntil >= 0) {
            biased = true;
        }
    }

    /** Exclusive: no DMA is inside when this returns, and none enters until {@link #unlockWrite}. */
    long writeLock() {
        long stamp = lock.writeLock();
        if (biased) {
            revoke();
        }
        return stamp;
    }

    void unlockWrite(long stamp) {
        lock.unlockWrite(stamp);
    }

    private void revoke() {
        long start = System.nanoTime();
        biased = false;
        if (ASYMMETRIC) {
            Membarrier.everyThread();
        } else {
            VarHandle.fullFence(); // the store of the bias before the loads of the marks
        }
        boolean dead = false;
        for (Reader r : READERS) {
            for (int spins = 0; ACTIVE.getAcquire(r) == this; spins++) {
                if (spins < 64) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            dead |= r.gone();
        }
        if (dead) {
            READERS.removeIf(Reader::gone);
        }
        long now = System.nanoTime();
        inhibitUntil = now + INHIBIT_FACTOR * (now - start);
    }
}
