package io.jvfio.emulator;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link UserMemory#strndupUser} against a page followed by an inaccessible one: a string ending
 * right at the boundary must be read without touching the next page (a fixed-size read past it
 * made GET_DEVICE_FD fail with EFAULT now and then, whenever the name landed near a page's end).
 */
class StrndupUserTest {
    private static final long PAGE = Linux.PAGE_SIZE;
    private static final NativeKernel HOST = NativeKernel.instance();

    private MemorySegment pages;

    @BeforeEach
    void mapTwoPagesTheSecondInaccessible() {
        pages = HOST.mmap(2 * PAGE, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        HOST.munmap(pages.asSlice(PAGE, PAGE));
    }

    @AfterEach
    void unmap() {
        HOST.munmap(pages.asSlice(0, PAGE));
    }

    private long place(String s, boolean nul) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        long at = PAGE - b.length - (nul ? 1 : 0);
        MemorySegment.copy(b, 0, pages, ValueLayout.JAVA_BYTE, at, b.length);
        if (nul) {
            pages.set(ValueLayout.JAVA_BYTE, PAGE - 1, (byte) 0);
        }
        return pages.address() + at;
    }

    @Test
    void aStringEndingAtThePageBoundaryIsRead() {
        assertThat(UserMemory.strndupUser(place("0000:00:04.0", true), 4096)).isEqualTo("0000:00:04.0");
    }

    @Test
    void aFaultBeforeTheNulIsEfault() {
        long at = place("0000:00:04.0", false);
        assertThat(errno(() -> UserMemory.strndupUser(at, 4096))).isEqualTo(Errno.EFAULT);
    }

    @Test
    void noNulWithinTheLimitIsEinval() {
        long at = place("0000:00:04.0", false);
        assertThat(errno(() -> UserMemory.strndupUser(at, 5))).isEqualTo(Errno.EINVAL);
    }
}
