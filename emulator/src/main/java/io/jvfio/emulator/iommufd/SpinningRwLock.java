package io.jvfio.emulator.iommufd;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A read-write lock whose writers spin a little before they queue, as a kernel rwsem's writer
 * spins optimistically while the owner runs: critical sections here last well under a microsecond
 * (an IOVA tree insert or removal), and parking costs several times that in wake-up latency, so
 * two threads taking turns on a parking lock run slower than one thread alone. The spin is
 * bounded; after it the writer queues as usual. Readers take the lock as before.
 */
final class SpinningRwLock extends ReentrantReadWriteLock {
    /** About a few microseconds of tryLock and pause before parking. */
    private static final int SPINS = 100;

    private final WriteLock write = new WriteLock(this) {
        @Override
        public void lock() {
            for (int i = 0; i < SPINS; i++) {
                if (tryLock()) {
                    return;
                }
                Thread.onSpinWait();
            }
            super.lock();
        }
    };

    @Override
    public WriteLock writeLock() {
        return write;
    }
}
