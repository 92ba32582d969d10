package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.api.Jvfio;
import io.jvfio.api.JvfioException;
import io.jvfio.api.PciDevices;
import org.junit.jupiter.api.Test;

/** Every kind of user error maps to its exit code and a one-line message. */
class UserErrorTest {
    @Test
    void noSuchDevice() {
        try (Jvfio jvfio = Jvfio.open("emulated")) {
            JvfioException e = catchJvfio(() -> PciDevices.get(jvfio.kernel(), "0000:00:09.0"));
            assertThat(UserError.exitCode(e)).isEqualTo(UserError.NO_DEVICE);
            assertThat(UserError.message(e))
                    .contains("0000:00:09.0", "no such PCI device")
                    .doesNotContain("\n");
        }
    }

    @Test
    void aDeviceNotBoundToVfioPciHasNoCdev() {
        try (Jvfio jvfio = Jvfio.open("emulated")) {
            JvfioException e = catchJvfio(() -> jvfio.openPciDevice("0000:00:04.0"));
            assertThat(UserError.exitCode(e)).isEqualTo(UserError.NO_DEVICE);
            assertThat(UserError.message(e)).contains("vfio-pci");
        }
    }

    @Test
    void permissionAndBusyAreNamed() {
        JvfioException perm = new JvfioException("open /dev/iommu", new ErrnoException(Errno.EACCES, "open"));
        assertThat(UserError.exitCode(perm)).isEqualTo(UserError.NO_PERMISSION);
        assertThat(UserError.message(perm)).endsWith("no permission (run as root, or check /dev/vfio and /dev/iommu)");
        JvfioException busy =
                new JvfioException("open /dev/vfio/devices/vfio0", new ErrnoException(Errno.EBUSY, "open"));
        assertThat(UserError.exitCode(busy)).isEqualTo(UserError.BUSY);
        assertThat(UserError.message(busy)).contains("device in use");
    }

    @Test
    void badPciAddressIsAUsageError() {
        IllegalArgumentException e = null;
        try {
            PciDevices.normalize("00:5");
        } catch (IllegalArgumentException x) {
            e = x;
        }
        assertThat(e).isNotNull();
        assertThat(UserError.exitCode(e)).isEqualTo(UserError.USAGE);
        assertThat(UserError.message(e)).isEqualTo("bad PCI address '00:5' (expected DDDD:BB:DD.F, e.g. 0000:00:05.0)");
    }

    private static JvfioException catchJvfio(Runnable r) {
        try {
            r.run();
        } catch (JvfioException e) {
            return e;
        }
        throw new AssertionError("expected a JvfioException");
    }
}
