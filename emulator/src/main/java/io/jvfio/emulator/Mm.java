package io.jvfio.emulator;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters of one emulated address space, in pages: {@code pinned_vm} (VmPin in
 * /proc/PID/status) and {@code locked_vm} (VmLck).
 */
public final class Mm {
    private final AddressSpace space;
    private final AtomicLong pinnedVm = new AtomicLong();
    private final AtomicLong lockedVm = new AtomicLong();
    private volatile boolean live = true;

    Mm(AddressSpace space) {
        this.space = space;
    }

    /** The memory these counters belong to. */
    public AddressSpace space() {
        return space;
    }

    /** VmPin, in pages. */
    public long pinnedPages() {
        return pinnedVm.get();
    }

    /** VmLck, in pages. */
    public long lockedPages() {
        return lockedVm.get();
    }

    /** Whether the address space still exists (mmget_not_zero would succeed). */
    public boolean isLive() {
        return live;
    }

    /** The owning process exited: its memory can no longer be pinned (EFAULT), though charges remain. */
    void exit() {
        live = false;
    }

    /** pinned_vm is always updated, whatever the accounting mode. */
    public void addPinned(long pages) {
        pinnedVm.addAndGet(pages);
    }

    /** {@code __account_locked_vm} increment: false (nothing charged) when it would pass {@code limitPages}. */
    public boolean chargeLocked(long pages, long limitPages) {
        return Charges.charge(lockedVm, pages, limitPages);
    }

    public void unchargeLocked(long pages) {
        lockedVm.addAndGet(-pages);
    }
}
