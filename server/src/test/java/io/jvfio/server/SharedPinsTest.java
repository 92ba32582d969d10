package io.jvfio.server;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.PhysicalPages;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * An exited client's pinned pages: shared ones are reached through another live client that maps
 * the same file, wherever it maps it; private ones, or shared ones nobody maps any more, are gone.
 * Both "clients" are this JVM (a client space is any host process's memory), the exited one's
 * own mapping removed before it exits, as the host removes an exited process's mappings.
 */
class SharedPinsTest {
    private static final long PAGE = Linux.PAGE_SIZE;
    private static final int SELF = (int) ProcessHandle.current().pid();
    private static final int RW = Linux.Prot.READ | Linux.Prot.WRITE;

    private final NativeKernel host = NativeKernel.instance();

    /** Records the pins of [address, address+length) as Pages.pin would. */
    private static void pin(ClientAddressSpace space, long address, long length) {
        long at = address;
        for (PhysicalPages.Run run : PhysicalPages.resolve(space, address, length, true)) {
            space.pinned(at, run);
            at += run.count() * PAGE;
        }
    }

    @Test
    void anExitedClientsPinnedSharedPagesAreReachedThroughALiveMapperOnly() {
        int memfd = host.memfd("shared-pins", 0);
        try (Arena arena = Arena.ofConfined()) {
            host.ftruncate(memfd, 2 * PAGE);
            MemorySegment pinned = host.mmap(2 * PAGE, RW, Linux.Map.SHARED, memfd, 0);
            MemorySegment secondPage = host.mmap(PAGE, RW, Linux.Map.SHARED, memfd, PAGE);
            MemorySegment priv = host.mmap(PAGE, RW, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
            ClientAddressSpace exited = new ClientAddressSpace(SELF);
            ClientAddressSpace mapper = new ClientAddressSpace(SELF);
            exited.pinning(true);
            pin(exited, pinned.address(), 2 * PAGE);
            pin(exited, priv.address(), PAGE);
            host.munmap(pinned);
            exited.exit();

            MemorySegment word = arena.allocate(8);
            long page1 = pinned.address() + PAGE;
            secondPage.set(ValueLayout.JAVA_LONG, 16, 42);
            exited.read(page1 + 16, word, 0, 8);
            assertThat(word.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(42);
            word.set(ValueLayout.JAVA_LONG, 0, 43);
            exited.write(word, 0, page1 + 24, 8);
            assertThat(secondPage.get(ValueLayout.JAVA_LONG, 24)).isEqualTo(43);

            // The mapper maps the page elsewhere now: found again at its new address.
            host.munmap(secondPage);
            MemorySegment moved = host.mmap(2 * PAGE, RW, Linux.Map.SHARED, memfd, 0);
            exited.read(page1 + 24, word, 0, 8);
            assertThat(word.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(43);

            assertThat(errno(() -> exited.read(priv.address(), word, 0, 8))).isEqualTo(Errno.EFAULT);
            host.munmap(moved);
            assertThat(errno(() -> exited.read(page1, word, 0, 8))).isEqualTo(Errno.EFAULT);
            mapper.exit();
            exited.pinning(false);
            host.munmap(priv);
        } finally {
            host.close(memfd);
        }
    }
}
