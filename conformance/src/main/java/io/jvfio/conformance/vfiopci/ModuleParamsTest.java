package io.jvfio.conformance.vfiopci;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.conformance.Conformance;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * vfio-pci's module parameters in /sys/module/vfio_pci/parameters: their values, which are
 * writable (nointxmask, disable_idle_d3; bool parsing as kstrtobool), which read-only
 * (disable_denylist, and disable_vga where the kernel has VGA support), and ids, which has none.
 */
@Conformance
class ModuleParamsTest {
    private static final String DIR = "/sys/module/vfio_pci/parameters/";

    private static String read(Kernel k, String name) {
        int fd = k.open(DIR + name, Linux.O.RDONLY);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(64);
            long n = k.read(fd, b);
            return new String(b.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } finally {
            k.close(fd);
        }
    }

    private static void write(Kernel k, String name, String value) {
        int fd = k.open(DIR + name, Linux.O.WRONLY);
        try (Arena a = Arena.ofConfined()) {
            byte[] text = value.getBytes(StandardCharsets.UTF_8);
            MemorySegment b = a.allocate(text.length);
            b.copyFrom(MemorySegment.ofArray(text));
            k.write(fd, b);
        } finally {
            k.close(fd);
        }
    }

    /** Skips where vfio-pci is not loaded (a host without it). */
    private static void assumeVfioPci(Kernel k) {
        try {
            k.listDirectory(DIR);
        } catch (ErrnoException e) {
            Assumptions.abort("no " + DIR + ": " + e.errno());
        }
    }

    @Test
    void defaultsAndPermissions(Kernel k) {
        assumeVfioPci(k);
        for (String name : List.of("nointxmask", "disable_idle_d3", "disable_denylist")) {
            assertThat(read(k, name)).as(name).isEqualTo("N\n");
        }
        assertThat(errno(() -> k.open(DIR + "disable_denylist", Linux.O.WRONLY)))
                .isEqualTo(Errno.EACCES);
        assertThat(errno(() -> k.open(DIR + "ids", Linux.O.RDONLY))).isEqualTo(Errno.ENOENT);
        if (k.listDirectory(DIR).contains("disable_vga")) {
            assertThat(read(k, "disable_vga")).isEqualTo("N\n");
            assertThat(errno(() -> k.open(DIR + "disable_vga", Linux.O.WRONLY))).isEqualTo(Errno.EACCES);
        }
    }

    @Test
    void writableBoolsParseAsKstrtobool(Kernel k) {
        assumeVfioPci(k);
        try {
            write(k, "nointxmask", "1\n");
            assertThat(read(k, "nointxmask")).isEqualTo("Y\n");
            write(k, "nointxmask", "off");
            assertThat(read(k, "nointxmask")).isEqualTo("N\n");
            write(k, "nointxmask", "true");
            assertThat(read(k, "nointxmask")).isEqualTo("Y\n");
            assertThat(errno(() -> write(k, "nointxmask", "x"))).isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> write(k, "nointxmask", "o"))).isEqualTo(Errno.EINVAL);
            assertThat(read(k, "nointxmask")).isEqualTo("Y\n");
            write(k, "disable_idle_d3", "y");
            assertThat(read(k, "disable_idle_d3")).isEqualTo("Y\n");
        } finally {
            write(k, "nointxmask", "N");
            write(k, "disable_idle_d3", "0");
        }
    }
}
