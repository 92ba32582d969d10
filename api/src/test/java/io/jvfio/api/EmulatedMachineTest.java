package io.jvfio.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The API on the emulated backend: machines it describes, binding to vfio-pci, and the handles it
 * refuses before the kernel sees them.
 */
class EmulatedMachineTest {
    @Test
    void aDescribedMachineHasExactlyItsDevices() {
        try (Jvfio jvfio = Jvfio.open(EmulatedPlatform.of("edu,addr=07.0", "nvme,size=64M"))) {
            assertThat(jvfio.pciDevices().stream().map(d -> d.bdf() + " " + Integer.toHexString(d.device())))
                    .containsExactly("0000:00:04.0 10", "0000:00:07.0 11e8");
        }
    }

    @Test
    void aBadDescriptionNamesItsLineAndProblem() {
        EmulatedPlatform bad =
                EmulatedPlatform.builder().device("edu").device("nvme,size=64Q").build();
        assertThatThrownBy(() -> Jvfio.open(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("platform line 2 (nvme,size=64Q): size=64Q is not a size (e.g. 4096, 64K, 16M, 1G)");
        assertThatThrownBy(() -> EmulatedPlatform.builder().device("edu\nnvme"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyTheEmulatedBackendTakesAPlatform() {
        var nativeProvider = io.jvfio.kernel.KernelProvider.named("native");
        assertThatThrownBy(() -> nativeProvider.open(Map.of("platform", "edu\n")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the native backend takes no options (given: platform)");
    }

    @Test
    void bindToVfioPciBindsOnceAndNeverTakesADeviceFromItsDriver() {
        try (Jvfio jvfio = Jvfio.open("emulated")) {
            assertThat(jvfio.bindToVfioPci("0000:00:04.0")).isTrue();
            assertThat(jvfio.bindToVfioPci("00:04.0")).isFalse();
            assertThat(jvfio.pciDevices().getFirst().driver()).contains("vfio-pci");
            assertThatThrownBy(() -> jvfio.bindToVfioPci("0000:00:1c.0"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("0000:00:1c.0 is bound to pcieport; unbind it first");
        }
    }

    @Test
    void anIoasOfAnotherIommufdIsRefusedBeforeTheKernelSeesItsId() {
        try (Jvfio jvfio = Jvfio.open("emulated")) {
            jvfio.bindToVfioPci("0000:00:04.0");
            Iommufd mine = jvfio.openIommufd();
            Iommufd other = jvfio.openIommufd();
            // Same ID in both iommufds: by ID alone the device would attach to mine's IOAS.
            Ioas ours = mine.allocIoas();
            Ioas foreign = other.allocIoas();
            assertThat(foreign.id()).isEqualTo(ours.id());
            VfioDevice edu = jvfio.openPciDevice("0000:00:04.0");
            edu.bind(mine);
            assertThatThrownBy(() -> edu.attach(foreign))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Ioas[" + foreign.id() + "] belongs to " + other + ", not to " + mine
                            + " that VfioDevice[/dev/vfio/devices/vfio0] is bound to");
            assertThat(edu.attach(ours)).isPositive();
            edu.detach();
            ours.close();
            assertThatThrownBy(() -> edu.attach(ours)).isInstanceOf(IllegalStateException.class);
        }
    }
}
