package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciNode.endpoint;
import static io.jvfio.emulator.pci.PciNode.pciBridge;
import static io.jvfio.emulator.pci.PciNode.rootPort;
import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PciTopologyTest {
    private static PciFunction conventional() {
        return PciFunction.builder(0x1234, 0x11e8).intx().build();
    }

    private static PciFunction pcie(boolean acs) {
        PciFunction.Builder b = PciFunction.builder(0x1b36, 0x0010).pciExpress(0x80, PcieType.ENDPOINT, true);
        if (acs) {
            b.acs(0x100, ACS_SV | ACS_RR | ACS_CR | ACS_UF);
        }
        return b.build();
    }

    private static PciAddress a(String text) {
        return PciAddress.parse(text);
    }

    private static List<PciAddress> group(PciTopology t, String address) {
        return t.iommuGroup(a(address)).devices();
    }

    @Test
    void singleFunctionRootBusDevicesAreAlone() {
        PciTopology t = PciTopology.build(List.of(endpoint(5, 0, conventional()), endpoint(4, 0, conventional())));
        assertThat(t.iommuGroups()).hasSize(2);
        assertThat(group(t, "0000:00:04.0")).containsExactly(a("0000:00:04.0"));
        assertThat(t.iommuGroup(a("0000:00:04.0")).id()).isZero(); // numbered in add (devfn) order
        assertThat(t.iommuGroup(a("0000:00:05.0")).id()).isEqualTo(1);
    }

    @Test
    void multifunctionWithoutAcsSharesAndMultifunctionBitIsSet() {
        PciTopology t = PciTopology.build(List.of(
                endpoint(6, 0, conventional()), endpoint(6, 1, conventional()), endpoint(7, 0, conventional())));
        assertThat(group(t, "00:06.1")).containsExactly(a("00:06.0"), a("00:06.1"));
        assertThat(group(t, "00:07.0")).containsExactly(a("00:07.0"));
        assertThat(t.function(a("00:06.1")).orElseThrow().isMultifunction()).isTrue();
        assertThat(t.function(a("00:07.0")).orElseThrow().isMultifunction()).isFalse();
    }

    @Test
    void conventionalBridgeGroupsItselfWithEverythingBehindIt() {
        PciTopology t = PciTopology.build(List.of(
                endpoint(4, 0, conventional()),
                pciBridge(0x1e, endpoint(1, 0, conventional()), endpoint(2, 0, conventional()))));
        assertThat(group(t, "00:1e.0")).containsExactly(a("00:1e.0"), a("01:01.0"), a("01:02.0"));
        assertThat(t.dmaRequesterId(a("01:02.0"))).isEqualTo(a("00:1e.0").requesterId());
        PciFunction bridge = t.function(a("00:1e.0")).orElseThrow();
        assertThat(bridge.config().read(HEADER_TYPE, 1)).isEqualTo(HEADER_TYPE_BRIDGE);
        assertThat(bridge.config().read(PRIMARY_BUS, 4) & 0xffffff).isEqualTo(0x010100);
        assertThat(bridge.pcieType()).isEmpty();
    }

    @Test
    void acsRootPortIsolatesButAPortWithoutAcsDoesNot() {
        PciTopology t = PciTopology.build(List.of(
                rootPort(0x1c, true, endpoint(0, 0, pcie(false))), rootPort(0x1d, false, endpoint(0, 0, pcie(false)))));
        assertThat(group(t, "00:1c.0")).containsExactly(a("00:1c.0"));
        assertThat(group(t, "01:00.0")).containsExactly(a("01:00.0"));
        assertThat(group(t, "02:00.0")).containsExactly(a("00:1d.0"), a("02:00.0"));
        assertThat(t.dmaRequesterId(a("01:00.0"))).isEqualTo(0x0100);
        PciFunction port = t.function(a("00:1c.0")).orElseThrow();
        assertThat(port.config().read(0x100 + ACS_CTRL, 2)).isEqualTo(GroupFormation.REQUIRED_ACS);
    }

    @Test
    void pcieMultifunctionNeedsAcsOnItsFunctions() {
        PciTopology without = PciTopology.build(
                List.of(rootPort(0x1c, true, endpoint(0, 0, pcie(false)), endpoint(0, 1, pcie(false)))));
        assertThat(group(without, "01:00.1")).containsExactly(a("01:00.0"), a("01:00.1"));
        PciTopology with = PciTopology.build(
                List.of(rootPort(0x1c, true, endpoint(0, 0, pcie(true)), endpoint(0, 1, pcie(true)))));
        assertThat(group(with, "01:00.1")).containsExactly(a("01:00.1"));
    }

    @Test
    void switchDownstreamPortsIsolateWithAcs() {
        PciTopology t = PciTopology.build(List.of(new PciNode.Port(
                0x1c,
                0,
                true,
                false,
                List.of(new PciNode.UpstreamPort(
                        0,
                        0,
                        List.of(
                                new PciNode.Port(0, 0, true, false, List.of(endpoint(0, 0, pcie(false)))),
                                new PciNode.Port(1, 0, false, false, List.of(endpoint(0, 0, pcie(false))))))))));
        // 00:1c.0 -> bus 1: upstream 01:00.0 -> bus 2: downstream 02:00.0 (bus 3), 02:01.0 (bus 4)
        assertThat(t.function(a("02:00.0")).orElseThrow().pcieType()).contains(PcieType.DOWNSTREAM_PORT);
        assertThat(group(t, "03:00.0")).containsExactly(a("03:00.0"));
        assertThat(group(t, "04:00.0")).containsExactly(a("02:01.0"), a("04:00.0"));
        assertThat(group(t, "01:00.0")).containsExactly(a("01:00.0"));
    }

    @Test
    void pcieToPciBridgeAliasesItsSecondaryBus() {
        PciTopology t = PciTopology.build(List.of(
                rootPort(0x1c, true, pciBridge(0, endpoint(1, 0, conventional()), endpoint(2, 0, conventional())))));
        assertThat(t.function(a("01:00.0")).orElseThrow().pcieType()).contains(PcieType.PCI_BRIDGE);
        assertThat(group(t, "02:02.0")).containsExactly(a("01:00.0"), a("02:01.0"), a("02:02.0"));
        assertThat(t.dmaRequesterId(a("02:02.0"))).isEqualTo(0x0200);
        assertThat(group(t, "00:1c.0")).containsExactly(a("00:1c.0"));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void groupsPartitionTheFunctionsAndNeverSplitABridgeFromItsConventionalBus(long seed) {
        Random r = new Random(seed);
        List<PciNode> root = new ArrayList<>();
        for (int slot = 1; slot < 20; slot++) {
            switch (r.nextInt(4)) {
                case 0 -> root.add(endpoint(slot, 0, conventional()));
                case 1 -> root.add(pciBridge(slot, endpoint(r.nextInt(4), 0, conventional())));
                case 2 -> root.add(rootPort(slot, r.nextBoolean(), endpoint(0, 0, pcie(r.nextBoolean()))));
                default -> {
                    root.add(endpoint(slot, 0, conventional()));
                    root.add(endpoint(slot, 1 + r.nextInt(7), conventional()));
                }
            }
        }
        PciTopology t = PciTopology.build(root);
        List<PciAddress> all = t.functions().stream().map(PciFunction::address).toList();
        assertThat(t.iommuGroups().stream().flatMap(g -> g.devices().stream()).sorted())
                .containsExactlyElementsOf(all.stream().sorted().toList());
        for (PciAddress addr : all) {
            assertThat(t.iommuGroup(addr).devices()).contains(addr);
            if (addr.bus() != 0) {
                PciAddress parent = t.functions().stream()
                        .map(PciFunction::address)
                        .filter(p -> t.function(p).orElseThrow().isBridge()
                                && t.function(p).orElseThrow().config().read(SECONDARY_BUS, 1) == addr.bus())
                        .findFirst()
                        .orElseThrow();
                PciFunction bridge = t.function(parent).orElseThrow();
                boolean isolatingPort = bridge.pcieType().isPresent()
                        && bridge.config().read(0x100 + ACS_CTRL, 2) == GroupFormation.REQUIRED_ACS;
                assertThat(t.iommuGroup(addr).devices().contains(parent)).isEqualTo(!isolatingPort);
            }
        }
    }

    @Test
    void hotResetScopes() {
        PciTopology t = PciTopology.build(List.of(
                endpoint(4, 0, conventional()),
                new PciNode.Port(0x1c, 0, true, true, List.of(endpoint(0, 0, pcie(true)))),
                pciBridge(0x1e, endpoint(1, 0, conventional()), endpoint(2, 0, conventional()))));
        assertThat(t.hotResetScope(a("00:04.0"))).isEmpty();
        ResetScope slot = t.hotResetScope(a("01:00.0")).orElseThrow();
        assertThat(slot.kind()).isEqualTo(ResetScope.Kind.SLOT);
        assertThat(slot.devices()).containsExactly(a("01:00.0"));
        ResetScope bus = t.hotResetScope(a("02:01.0")).orElseThrow();
        assertThat(bus)
                .isEqualTo(new ResetScope(ResetScope.Kind.BUS, a("00:1e.0"), List.of(a("02:01.0"), a("02:02.0"))));
    }

    @Test
    void secondaryBusResetResetsEverythingBelowTheBridge() {
        int[] resets = {0};
        PciFunction below = PciFunction.builder(1, 2).onReset(() -> resets[0]++).build();
        PciFunction beside =
                PciFunction.builder(1, 2).onReset(() -> resets[0] += 100).build();
        PciTopology t = PciTopology.build(List.of(endpoint(4, 0, beside), pciBridge(0x1e, endpoint(1, 0, below))));
        below.config().write(COMMAND, 2, COMMAND_MEMORY);
        PciFunction bridge = t.function(a("00:1e.0")).orElseThrow();
        bridge.config().write(BRIDGE_CONTROL, 2, BRIDGE_CTL_BUS_RESET);
        bridge.config().write(BRIDGE_CONTROL, 2, 0);
        assertThat(resets[0]).isEqualTo(1);
        assertThat(below.config().read(COMMAND, 2)).isZero();
        t.hotReset(t.hotResetScope(a("01:01.0")).orElseThrow());
        assertThat(resets[0]).isEqualTo(2);
    }

    @Test
    void rejectsInconsistentDescriptions() {
        assertThatThrownBy(() ->
                        PciTopology.build(List.of(endpoint(4, 0, conventional()), endpoint(4, 0, conventional()))))
                .hasMessageContaining("two functions at 0000:00:04.0");
        assertThatThrownBy(() -> PciTopology.build(List.of(endpoint(4, 1, conventional()))))
                .hasMessageContaining("no function 0");
        assertThatThrownBy(() -> PciTopology.build(List.of(pciBridge(1, rootPort(0, true)))))
                .hasMessageContaining("ports sit on the root bus");
        PciTopology t = PciTopology.build(List.of(endpoint(4, 0, conventional())));
        assertThatThrownBy(() -> t.iommuGroup(a("00:05.0"))).hasMessageContaining("no PCI function at 0000:00:05.0");
    }
}
