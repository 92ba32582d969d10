package io.jvfio.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.devices.nvme.NvmeController;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.boot.PlatformDescription;
import io.jvfio.emulator.pci.IommuGroup;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciRegs;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.pci.PcieType;
import io.jvfio.emulator.pci.SriovCapability;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Machines described in QEMU's -device vocabulary: placement, IOMMU groups, modules, and errors. */
class PlatformDescriptionTest {
    private static PciTopology devices(String... devices) {
        return PlatformDescription.ofDevices(List.of(devices)).topology();
    }

    private static PciAddress at(String bdf) {
        return PciAddress.parse(bdf);
    }

    private static int ids(PciFunction f) {
        return f.config().read(0, 4);
    }

    @Test
    void theDefaultPlatformsDescriptionBuildsTheSameMachine() {
        PciTopology described = PlatformDescription.parse("default", DefaultPlatform.DESCRIPTION)
                .topology();
        PciTopology fixed = new DefaultPlatform().topology();
        assertThat(described.functions().stream().map(PciFunction::address))
                .containsExactlyElementsOf(
                        fixed.functions().stream().map(PciFunction::address).toList());
        for (PciFunction f : fixed.functions()) {
            PciFunction d = described.function(f.address()).orElseThrow();
            assertThat(ids(d)).as(f.address().toString()).isEqualTo(ids(f));
            assertThat(d.pcieType()).isEqualTo(f.pcieType());
        }
        assertThat(described.iommuGroups()).isEqualTo(fixed.iommuGroups());
    }

    @Test
    void devicesWithoutAddrTakeTheLowestFreeSlotFrom04OnTheRootBus() {
        PciTopology t = devices("edu", "nvme", "edu,addr=06.0", "edu");
        assertThat(t.functions().stream().map(f -> f.address().toString()))
                .containsExactly("0000:00:04.0", "0000:00:05.0", "0000:00:06.0", "0000:00:07.0");
        assertThat(t.function(at("00:05.0")).orElseThrow().pcieType()).contains(PcieType.RC_INTEGRATED_ENDPOINT);
    }

    @Test
    void acsOnARootPortDecidesWhetherTheDeviceBelowIsIsolated() {
        PciTopology acs = devices("pcie-root-port,id=rp,addr=1c.0", "nvme,bus=rp");
        assertThat(acs.iommuGroup(at("01:00.0")).devices()).containsExactly(at("01:00.0"));
        assertThat(acs.function(at("01:00.0")).orElseThrow().pcieType()).contains(PcieType.ENDPOINT);
        PciTopology noAcs = devices("pcie-root-port,id=rp,acs=off", "nvme,bus=rp");
        // Without ACS a root port does not isolate what is below it: it joins the port's group.
        assertThat(noAcs.iommuGroup(at("01:00.0")).devices()).containsExactly(at("00:04.0"), at("01:00.0"));
    }

    @Test
    void aSwitchWithAcsGivesEachDownstreamPortsDeviceItsOwnGroup() {
        PciTopology t = devices(
                "pcie-root-port,id=rp",
                "x3130-upstream,id=up,bus=rp",
                "xio3130-downstream,id=d0,bus=up,addr=00.0",
                "xio3130-downstream,id=d1,bus=up,addr=01.0,acs=off",
                "edu,bus=d0",
                "edu,bus=d1",
                "pcie-root-port,id=rp2,addr=1d.0",
                "pcie-pci-bridge,id=br,bus=rp2",
                "edu,bus=br,addr=01.0",
                "edu,bus=br,addr=02.0");
        List<List<PciAddress>> groups =
                t.iommuGroups().stream().map(IommuGroup::devices).toList();
        assertThat(groups).contains(List.of(at("03:00.0")));
        assertThat(groups).anySatisfy(g -> assertThat(g).contains(at("02:01.0"), at("04:00.0")));
        // A PCIe-to-PCI bridge takes over its devices' requester IDs: one group with the bridge.
        assertThat(t.iommuGroup(at("06:01.0")).devices()).containsExactly(at("05:00.0"), at("06:01.0"), at("06:02.0"));
    }

    @Test
    void functionsOfOneSlotMakeAMultifunctionDevice() {
        PciTopology t = devices("edu,addr=04.0", "edu,addr=04.1");
        assertThat(t.function(at("00:04.1")).orElseThrow().isMultifunction()).isTrue();
        // Conventional multifunction devices have no ACS: one group.
        assertThat(t.iommuGroups()).hasSize(1);
    }

    @Test
    void mttyIsLoadedAtBootAndEachBuildIsAFreshMachine() {
        PlatformDescription d = PlatformDescription.parse("test", "# a comment\nedu   # the DMA engine\nmtty\n");
        assertThat(d.modules()).containsExactly("mtty");
        assertThat(d.text()).isEqualTo("edu\nmtty\n");
        EmulatedKernel k = d.boot(EmulatorConfig.defaults());
        assertThat(k.listDirectory("/sys/class/mdev_bus")).contains("mtty");
        assertThat(k.listDirectory("/sys/bus/pci/devices")).containsExactly("0000:00:04.0");
        Optional<PciFunction> first = d.topology().function(at("00:04.0"));
        assertThat(d.fresh().topology().function(at("00:04.0"))).isNotEqualTo(first);
    }

    @Test
    void anNvmeWithSriovMaxVfsIsAPfWhoseVfsAreNvmeControllers() {
        PciTopology t = PlatformDescription.parse("test", "nvme,addr=05.0,sriov_max_vfs=3\n")
                .topology();
        PciFunction pf = t.function(at("00:05.0")).orElseThrow();
        SriovCapability iov = pf.sriov().orElseThrow();
        assertThat(iov.totalVfs()).isEqualTo(3);
        assertThat(iov.position()).isEqualTo(0x100);
        assertThat(pf.config().read(0x100 + PciRegs.SRIOV_VF_DID, 2)).isEqualTo(NvmeController.DEVICE_ID);
        PciTopology plain = PlatformDescription.parse("test", "nvme\n").topology();
        assertThat(plain.function(at("00:04.0")).orElseThrow().sriov()).isEmpty();
        // VF Enable brings the VFs up as NVMe controllers at 05.1...
        pf.config().write(0x100 + PciRegs.SRIOV_NUM_VF, 2, 2);
        pf.config().write(0x100 + PciRegs.SRIOV_CTRL, 2, PciRegs.SRIOV_CTRL_VFE);
        assertThat(t.addVirtfn(at("00:05.0"), 1)).isEqualTo(at("00:05.2"));
        PciFunction vf = iov.virtfn(1);
        assertThat(vf.config().read(PciRegs.CLASS_REVISION, 4) >>> 8).isEqualTo(NvmeController.CLASS_CODE);
        assertThat(vf.sriov()).isEmpty();
        assertThat(t.iommuGroup(at("00:05.2")).devices()).containsExactly(at("00:05.2"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "edux | --device (edux): no device type \"edux\" (known: edu, ioat, mtty, nvme, pci-bridge, pcie-pci-bridge,"
                        + " pcie-root-port, x3130-upstream, xio3130-downstream)",
                "edu,size=1M | --device (edu,size=1M): edu has no property \"size\" (it takes: addr, bus, id)",
                "nvme,size=64Q | --device (nvme,size=64Q): size=64Q is not a size (e.g. 4096, 64K, 16M, 1G)",
                "nvme,size=1000 | --device (nvme,size=1000): size=1000 is not a positive multiple of 512 bytes",
                "nvme,size=2G | --device (nvme,size=2G): size=2G is more than 1G (the namespace is memory of this JVM)",
                "nvme,serial= | --device (nvme,serial=): expected PROPERTY=VALUE, got \"serial=\"",
                "nvme,max_ioqpairs=0 | --device (nvme,max_ioqpairs=0): max_ioqpairs=0 is not in 1..65535",
                "nvme,sriov_max_vfs=128 | --device (nvme,sriov_max_vfs=128): sriov_max_vfs=128 is not in 0..127",
                "edu,addr=20.0 | --device (edu,addr=20.0): addr=20.0 is not SLOT[.FUNCTION] (slot 00-1f hexadecimal,"
                        + " function 0-7)",
                "edu,addr=04.8 | --device (edu,addr=04.8): addr=04.8 is not SLOT[.FUNCTION] (slot 00-1f hexadecimal,"
                        + " function 0-7)",
                "edu,bus=rp | --device (edu,bus=rp): bus=rp: no bridge has id=rp (a bus is named before its devices)",
                "mtty,addr=05.0 | --device (mtty,addr=05.0): mtty is a kernel module (loaded at boot), not a PCI"
                        + " function: it takes no addr",
                "pcie-root-port,acs=maybe | --device (pcie-root-port,acs=maybe): acs=maybe is not on or off",
                "edu,addr=04.1 | --device (edu,addr=04.1): slot 04 of pcie.0 has no function 0 (Linux finds a slot's"
                        + " functions through function 0)",
            })
    void aBadDeviceIsRefusedWithAMessageNamingIt(String device, String message) {
        assertThatThrownBy(() -> PlatformDescription.ofDevices(List.of(device)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "edu,addr=04.0;nvme,addr=4 | --device (nvme,addr=4): addr 04.0 on pcie.0 is taken by edu,addr=04.0",
                "edu,id=a;edu,id=a | --device (edu,id=a): id=a is taken by edu,id=a",
                "edu,id=e;edu,bus=e | --device (edu,bus=e): bus=e: edu,id=e is not a bridge",
                "pcie-root-port,id=rp;edu,bus=rp;edu,bus=rp | --device (edu,bus=rp): no free slot on rp (a PCIe link"
                        + " carries slot 00 only)",
                "pcie-root-port,id=rp;edu,bus=rp,addr=01.0 | --device (edu,bus=rp,addr=01.0): addr=01.0: below rp (a"
                        + " PCIe port) only slot 00 exists",
                "pcie-root-port,id=rp;pcie-root-port,bus=rp | --device (pcie-root-port,bus=rp): pcie-root-port sits on"
                        + " the root bus (pcie.0), not on rp",
                "x3130-upstream | --device (x3130-upstream): x3130-upstream sits below a pcie-root-port or"
                        + " xio3130-downstream (give it bus=ID)",
                "xio3130-downstream | --device (xio3130-downstream): xio3130-downstream sits below an x3130-upstream"
                        + " (give it bus=ID of one)",
                "pcie-root-port,id=rp;x3130-upstream,id=up,bus=rp;edu,bus=up | --device (edu,bus=up): only"
                        + " xio3130-downstream ports sit below x3130-upstream up",
                "pcie-pci-bridge | --device (pcie-pci-bridge): pcie-pci-bridge sits below a pcie-root-port or"
                        + " xio3130-downstream; elsewhere use pci-bridge",
                "pcie-root-port,id=rp;pci-bridge,bus=rp | --device (pci-bridge,bus=rp): below a PCIe port a bridge to"
                        + " conventional PCI is a pcie-pci-bridge",
                "mtty;mtty | --device (mtty): mtty is given twice (a module loads once)",
            })
    void aDeviceThatDoesNotFitTheMachineIsRefusedWithAMessageNamingIt(String devices, String message) {
        assertThatThrownBy(() -> PlatformDescription.ofDevices(List.of(devices.split(";"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void aFilesErrorsNameTheLine() {
        assertThatThrownBy(() -> PlatformDescription.parse("machine.txt", "edu\n\n  nvme,size=big  # disk\n"))
                .hasMessage("machine.txt line 3 (nvme,size=big): size=big is not a size (e.g. 4096, 64K, 16M, 1G)");
    }
}
