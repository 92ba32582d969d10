package io.jvfio.emulator;

import java.util.concurrent.atomic.AtomicLong;

/** The compare-and-swap charge loop shared by per-user and per-mm locked_vm. */
final class Charges {
    private Charges() {}

    static boolean charge(AtomicLong counter, long pages, long limitPages) {
        long cur = counter.get();
        while (true) {
            long next = cur + pages;
            if (Long.compareUnsigned(next, limitPages) > 0) {
                return false;
            }
            long witness = counter.compareAndExchange(cur, next);
            if (witness == cur) {
                return true;
            }
            cur = witness;
        }
    }
}
