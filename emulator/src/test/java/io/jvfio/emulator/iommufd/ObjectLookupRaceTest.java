package io.jvfio.emulator.iommufd;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The object table's lookup takes no lock: lookups racing IOMMU_DESTROY and the reuse of the ID
 * must find a live object of the asked kind or ENOENT, and a destroy must succeed or be EBUSY
 * while a lookup holds the object; nothing may be left behind.
 */
class ObjectLookupRaceTest {
    @ParameterizedTest
    @ValueSource(ints = {200, 2000})
    void lookupsRacingDestroyAndIdReuse(int rounds) throws InterruptedException {
        try (Harness h = new Harness()) {
            Set<String> unexpected = ConcurrentHashMap.newKeySet();
            AtomicBoolean done = new AtomicBoolean();
            AtomicInteger found = new AtomicInteger();
            int first = h.ioasAlloc();
            Thread reader = Thread.ofPlatform().start(() -> {
                while (!done.get() || found.get() == 0) { // the last IOAS stays until the reader is done
                    for (int id = first; id < first + 3; id++) {
                        try {
                            Ioas ioas = h.ctx.getIoas(id);
                            if (ioas.users.get() < 2) {
                                unexpected.add("a lookup got IOAS " + id + " with " + ioas.users.get() + " users");
                            }
                            found.incrementAndGet();
                            h.ctx.put(ioas);
                        } catch (ErrnoException e) {
                            if (e.errno() != Errno.ENOENT) {
                                unexpected.add("lookup: " + e.errno());
                            }
                        }
                    }
                }
            });
            int id = first;
            for (int i = 0; i < rounds; i++) {
                while (true) {
                    try {
                        h.destroy(id);
                        break;
                    } catch (ErrnoException e) {
                        assertThat(e.errno()).isEqualTo(Errno.EBUSY); // the reader holds it
                    }
                }
                id = h.ioasAlloc(); // takes the lowest free ID: the one just freed
            }
            done.set(true);
            reader.join();
            assertThat(unexpected).isEmpty();
            assertThat(found.get()).isPositive();
            h.destroy(id);
            assertThat(h.ctx.objects.isEmpty()).as("no object left").isTrue();
        }
    }
}
