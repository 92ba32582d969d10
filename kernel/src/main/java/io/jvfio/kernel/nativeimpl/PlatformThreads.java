package io.jvfio.kernel.nativeimpl;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs blocking native calls on platform threads. A downcall pins a virtual thread's carrier for as
 * long as it blocks (a poll or an eventfd read can block forever), so a virtual caller hands the
 * call to a platform thread and parks on the result instead.
 */
final class PlatformThreads {
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = Thread.ofPlatform().daemon().name("jvfio-native-blocking").unstarted(r);
        return t;
    });

    private PlatformThreads() {}

    /**
     * The segment to hand to a native call that {@link #call} may run on another thread: a
     * confined segment cannot be touched there, so a virtual caller passes its bare address. The
     * caller stays parked on the result, which keeps the memory alive for the call's duration.
     */
    static MemorySegment portable(MemorySegment s) {
        return Thread.currentThread().isVirtual() && s.isNative() ? MemorySegment.ofAddress(s.address()) : s;
    }

    static <T> T call(Callable<T> body) {
        try {
            if (!Thread.currentThread().isVirtual()) {
                return body.call();
            }
            Future<T> f = POOL.submit(body);
            try {
                return f.get();
            } catch (ExecutionException e) {
                throw Libc.rethrow(e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a native call", e);
        } catch (Exception e) {
            throw Libc.rethrow(e);
        }
    }
}
