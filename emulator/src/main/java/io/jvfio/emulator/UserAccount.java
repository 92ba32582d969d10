package io.jvfio.emulator;

import java.util.concurrent.atomic.AtomicLong;

/** A user's {@code user_struct}: the pages locked by all of its processes, in pages. */
public final class UserAccount {
    private final AtomicLong lockedVm = new AtomicLong();

    public long lockedPages() {
        return lockedVm.get();
    }

    /** {@code incr_user_locked_vm}: false (nothing charged) when it would pass {@code limitPages}. */
    public boolean chargeLocked(long pages, long limitPages) {
        return Charges.charge(lockedVm, pages, limitPages);
    }

    public void unchargeLocked(long pages) {
        lockedVm.addAndGet(-pages);
    }
}
