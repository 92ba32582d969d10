package io.jvfio.emulator.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PciTopologyTextTest {
    private static PciFunction device(String name) {
        return switch (name) {
            case "edu" -> PciFunction.builder(0x1234, 0x11e8).build();
            case "nvme" ->
                PciFunction.builder(0x1b36, 0x0010)
                        .pciExpress(0x80, PcieType.ENDPOINT, true)
                        .build();
            default -> null;
        };
    }

    @Test
    void parsesNestedHierarchies() {
        List<PciNode> nodes = PciTopologyText.parse("""
                # the default platform's shape
                04.0 edu
                1c.0 port acs hotplug {
                  00.0 switch {
                    00.0 port acs { 00.0 nvme }
                    01.0 port {
                      00.0 edu
                    }
                  }
                }
                1e.0 pci-bridge {
                  01.0 edu   # behind the bridge
                  02.0 edu
                }
                """, PciTopologyTextTest::device);
        assertThat(nodes).hasSize(3);
        PciNode.Port rootPort = (PciNode.Port) nodes.get(1);
        assertThat(rootPort.acs()).isTrue();
        assertThat(rootPort.hotplugSlot()).isTrue();
        PciNode.UpstreamPort upstream = (PciNode.UpstreamPort) rootPort.below().getFirst();
        assertThat(upstream.below()).extracting(PciNode.Port::acs).containsExactly(true, false);
        PciTopology t = PciTopology.build(nodes);
        assertThat(t.iommuGroup(PciAddress.parse("03:00.0")).devices()).containsExactly(PciAddress.parse("03:00.0"));
        assertThat(t.iommuGroup(PciAddress.parse("04:00.0")).devices())
                .containsExactly(PciAddress.parse("02:01.0"), PciAddress.parse("04:00.0"));
        assertThat(t.iommuGroup(PciAddress.parse("05:02.0")).devices()).hasSize(3);
    }

    @Test
    void reportsTheLineOfEachMistake() {
        assertThatThrownBy(() -> PciTopologyText.parse("04.0 edu\n04 edu", PciTopologyTextTest::device))
                .hasMessageContaining("line 2")
                .hasMessageContaining("DD.F");
        assertThatThrownBy(() -> PciTopologyText.parse("04.0 gpu", PciTopologyTextTest::device))
                .hasMessageContaining("unknown device \"gpu\"");
        assertThatThrownBy(() -> PciTopologyText.parse("04.0 edu {\n}", PciTopologyTextTest::device))
                .hasMessageContaining("not a bridge");
        assertThatThrownBy(() -> PciTopologyText.parse("1c.0 port {\n00.0 edu", PciTopologyTextTest::device))
                .hasMessageContaining("line 1")
                .hasMessageContaining("never closed");
        assertThatThrownBy(() -> PciTopologyText.parse("}", PciTopologyTextTest::device))
                .hasMessageContaining("unbalanced");
        assertThatThrownBy(() -> PciTopologyText.parse("1c.0 port fast", PciTopologyTextTest::device))
                .hasMessageContaining("unknown flags");
        assertThatThrownBy(() -> PciTopologyText.parse("1e.0 pci-bridge acs", PciTopologyTextTest::device))
                .hasMessageContaining("unknown flags");
        assertThatThrownBy(() ->
                        PciTopologyText.parse("1c.0 port {\n00.0 switch { 00.0 edu }\n}", PciTopologyTextTest::device))
                .hasMessageContaining("only ports");
    }
}
