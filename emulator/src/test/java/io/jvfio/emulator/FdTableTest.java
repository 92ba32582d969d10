package io.jvfio.emulator;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** fget without the table's lock: lookups racing close and reuse of the fd number. */
class FdTableTest {
    /** A file that counts its releases. */
    private static final class Counted extends OpenFile {
        final AtomicInteger released;

        Counted(AtomicInteger released) {
            super(0);
            this.released = released;
        }

        @Override
        protected void release() {
            released.incrementAndGet();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void lookupsRacingCloseAndReopenSeeALiveFileOrEbadf(int seed) throws InterruptedException {
        FdTable table = new FdTable();
        AtomicInteger released = new AtomicInteger();
        int files = 2000;
        int fd = table.install(new Counted(released), 0);
        List<Throwable> failures = new ArrayList<>();
        AtomicInteger seen = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; !done.get() || seen.get() == 0; i++) {
                    OpenFile f = table.getOrNull(fd + (i + seed) % 2);
                    if (f != null) {
                        // A reference taken on a released file would let it be released twice.
                        assertThat(((Counted) f).released.get()).isLessThanOrEqualTo(files);
                        f.put();
                        seen.incrementAndGet();
                    }
                }
            } catch (Throwable t) {
                synchronized (failures) {
                    failures.add(t);
                }
            }
        });
        int extra = 40; // installed halfway: the slot array grows under the reader
        for (int i = 1; i < files; i++) {
            table.remove(fd).put(); // close: the fd number is free, then reused by the next install
            assertThat(table.install(new Counted(released), 0)).isEqualTo(fd);
            if (i == files / 2) {
                for (int e = 0; e < extra; e++) {
                    table.install(new Counted(released), 0);
                }
            }
        }
        done.set(true);
        reader.join();
        table.remove(fd).put();
        for (int e = 0; e < extra; e++) {
            table.remove(fd + 1 + e).put();
        }
        assertThat(failures).isEmpty();
        assertThat(released.get()).as("every file released exactly once").isEqualTo(files + extra);
        assertThat(errno(() -> table.get(fd))).isEqualTo(Errno.EBADF);
        assertThat(table.getOrNull(fd)).isNull();
        assertThat(seen.get()).isPositive();
    }
}
