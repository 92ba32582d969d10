package io.jvfio.devices;

import static io.jvfio.devices.DefaultPlatform.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.devices.edu.EduDevice;
import io.jvfio.devices.ioat.IoatDevice;
import io.jvfio.devices.nvme.NvmeController;
import io.jvfio.emulator.pci.IommuGroup;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciPlatform;
import io.jvfio.emulator.pci.PciTopology;
import java.util.List;
import org.junit.jupiter.api.Test;

class DefaultPlatformTest {
    private final DefaultPlatform platform = new DefaultPlatform();
    private final PciTopology topology = platform.topology();

    @Test
    void devicesSitWhereDocumented() {
        assertThat(topology.function(EDU)).containsSame(platform.edu().pci());
        assertThat(topology.function(NVME)).containsSame(platform.nvme().pci());
        assertThat(topology.functions().stream().map(PciFunction::address))
                .containsExactly(
                        EDU,
                        NVME,
                        ROOT_PORT,
                        PCI_BRIDGE,
                        IOAT,
                        EDU_BELOW_ROOT_PORT,
                        EDU_BELOW_BRIDGE_1,
                        EDU_BELOW_BRIDGE_2);
        for (PciFunction f : topology.functions()) {
            int id = f.config().read(0, 4);
            if (!f.isBridge()) {
                assertThat(id)
                        .isIn(
                                EduDevice.DEVICE_ID << 16 | EduDevice.VENDOR_ID,
                                NvmeController.DEVICE_ID << 16 | NvmeController.VENDOR_ID,
                                IoatDevice.DEVICE_ID << 16 | IoatDevice.VENDOR_ID);
            }
        }
    }

    @Test
    void iommuGroupsAreTheDocumentedOnes() {
        assertThat(topology.iommuGroups())
                .containsExactly(
                        new IommuGroup(0, List.of(EDU)),
                        new IommuGroup(1, List.of(NVME)),
                        new IommuGroup(2, List.of(ROOT_PORT)),
                        new IommuGroup(3, List.of(PCI_BRIDGE, EDU_BELOW_BRIDGE_1, EDU_BELOW_BRIDGE_2)),
                        new IommuGroup(4, List.of(IOAT)),
                        new IommuGroup(5, List.of(EDU_BELOW_ROOT_PORT)));
    }

    @Test
    void theKernelFindsItAsAServiceAndGetsAFreshMachineEachTime() {
        PciPlatform a = PciPlatform.load("default");
        PciPlatform b = PciPlatform.load("default");
        assertThat(a).isInstanceOf(DefaultPlatform.class);
        assertThat(a.topology().function(EDU)).isNotEqualTo(b.topology().function(EDU));
        assertThatThrownBy(() -> PciPlatform.load("nope"))
                .hasMessageContaining("no PCI platform \"nope\"")
                .hasMessageContaining(DefaultPlatform.class.getName());
    }

    @Test
    void passthroughDevicesCannotBeHotReset() {
        assertThat(topology.hotResetScope(EDU)).isEmpty();
        assertThat(topology.hotResetScope(NVME)).isEmpty();
        assertThat(topology.hotResetScope(IOAT)).isEmpty();
        assertThat(topology.hotResetScope(EDU_BELOW_BRIDGE_1).orElseThrow().devices())
                .containsExactly(EDU_BELOW_BRIDGE_1, EDU_BELOW_BRIDGE_2);
    }
}
