package io.jvfio.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** DMA buffers from the native kernel's mmap. */
class DmaBufferTest {
    private final Jvfio jvfio = Jvfio.open("native");

    @AfterEach
    void close() {
        jvfio.close();
    }

    @Test
    void sizeIsRoundedUpToWholeZeroedWritablePages() {
        try (DmaBuffer b = jvfio.allocateDma(5000)) {
            assertThat(b.segment().byteSize()).isEqualTo(2 * Linux.PAGE_SIZE);
            assertThat(b.segment().address() % Linux.PAGE_SIZE).isZero();
            assertThat(b.segment().get(ValueLayout.JAVA_LONG, 8000)).isZero();
            b.segment().set(ValueLayout.JAVA_LONG, 8000, 42);
            assertThat(b.segment().get(ValueLayout.JAVA_LONG, 8000)).isEqualTo(42);
            assertThat(b.pageSize()).isEqualTo(PageSize.BASE_4K);
        }
    }

    @Test
    void anUnmappedBufferHasNoIova() {
        try (DmaBuffer b = jvfio.allocateDma(1)) {
            assertThat(b.mappings()).isEmpty();
            assertThatThrownBy(b::iova).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void closedBuffersRefuseUseAndJvfioForgetsThem() {
        DmaBuffer b = jvfio.allocateDma(1);
        b.close();
        b.close();

        assertThatThrownBy(b::segment).isInstanceOf(IllegalStateException.class);
        jvfio.close(); // must not close b a second time
    }

    @Test
    void jvfioCloseReleasesOpenBuffers() {
        DmaBuffer b = jvfio.allocateDma(1);

        jvfio.close();

        assertThatThrownBy(b::segment).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nonPositiveSizesAreRejected() {
        assertThatThrownBy(() -> jvfio.allocateDma(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(names = {"HUGE_2M", "HUGE_1G"})
    void hugePagesTheSystemCannotGiveFailClearly(PageSize size) throws Exception {
        Path pool = Path.of("/sys/kernel/mm/hugepages/hugepages-" + size.bytes() / 1024 + "kB");
        boolean exists = Files.exists(pool);
        Assumptions.assumeTrue(
                !exists
                        || Files.readString(pool.resolve("free_hugepages"))
                                .strip()
                                .equals("0"),
                size + " huge pages are available");

        assertThatThrownBy(() -> jvfio.allocateDma(1, size))
                .isInstanceOfSatisfying(JvfioException.class, e -> assertThat(e.errno())
                        .isEqualTo(exists ? Errno.ENOMEM : Errno.EINVAL))
                .hasMessageContaining(pool.toString())
                .hasMessageContaining(exists ? "reserve them" : "offers no");
    }

    @Test
    void hugePagesFromAPoolAreHugeAligned() throws Exception {
        Path free = Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
        Assumptions.assumeTrue(
                Files.exists(free) && Integer.parseInt(Files.readString(free).strip()) > 0, "no free 2 MiB huge pages");

        try (DmaBuffer b = jvfio.allocateDma(1, PageSize.HUGE_2M)) {
            assertThat(b.segment().byteSize()).isEqualTo(2L << 20);
            assertThat(b.segment().address() % (2L << 20)).isZero();
        }
    }
}
