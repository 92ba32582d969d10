package io.jvfio.kernel.nativeimpl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** copy_from_user/copy_to_user on our own process: bad addresses are EFAULT, never a crash. */
class ProcessMemoryTest {
    private final NativeKernel k = NativeKernel.instance();

    private static void assertEfault(Runnable r) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno())
                .isEqualTo(Errno.EFAULT));
    }

    @Test
    void copiesBothWaysThroughRealAddresses() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment user = a.allocate(64);
            user.set(ValueLayout.JAVA_LONG, 8, 0xfeedL);
            MemorySegment kernel = MemorySegment.ofArray(new byte[16]);
            ProcessMemory.copyIn(user.address() + 8, kernel, 8);
            assertThat(kernel.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0xfeedL);
            kernel.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0xbeefL);
            ProcessMemory.copyOut(kernel, user.address() + 32, 8);
            assertThat(user.get(ValueLayout.JAVA_LONG, 32)).isEqualTo(0xbeefL);
        }
    }

    @Test
    void unmappedAndProtectedMemoryIsEfault() {
        MemorySegment none = k.mmap(8192, Linux.Prot.NONE, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        MemorySegment twoPages = k.mmap(8192, Linux.Prot.READ, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        // Unmap the second page so the first is followed by a hole, whatever else is mapped nearby.
        k.munmap(twoPages.asSlice(4096));
        MemorySegment ro = twoPages.asSlice(0, 4096);
        try {
            MemorySegment buf = MemorySegment.ofArray(new byte[16]);
            assertEfault(() -> ProcessMemory.copyIn(0, buf, 8));
            assertEfault(() -> ProcessMemory.copyIn(none.address(), buf, 8));
            assertThat(ProcessMemory.readable(ro.address(), 4096)).isTrue();
            assertThat(ProcessMemory.readable(none.address(), 1)).isFalse();
            ProcessMemory.copyIn(ro.address(), buf, 16);
            assertEfault(() -> ProcessMemory.copyOut(buf, ro.address(), 8));
            // A range that runs off the end of a readable mapping into a hole.
            assertEfault(() -> ProcessMemory.copyIn(ro.address() + 4088, buf, 16));
        } finally {
            k.munmap(none);
            k.munmap(ro);
        }
    }
}
