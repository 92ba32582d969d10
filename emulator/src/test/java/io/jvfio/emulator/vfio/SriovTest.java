package io.jvfio.emulator.vfio;

import static io.jvfio.emulator.pci.PciRegs.*;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.bus.PciDevice;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.pci.PcieType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SR-IOV in the PCI core (drivers/pci/iov.c) and vfio-pci's sriov_configure: a PF's sriov_*
 * files and sriov_numvfs's rules, VFs appearing as functions at their routing IDs with
 * virtfnN/physfn links, each in an IOMMU group of its own, captured by vfio-pci, and gone again.
 */
class SriovTest {
    static final String PF = "0000:00:04.0";
    static final String VF0 = "0000:00:04.1";
    static final String VF1 = "0000:00:04.2";
    static final String OTHER = "0000:00:05.0";
    private static final String DEV = "/sys/bus/pci/devices/";
    private static final String ENABLE_SRIOV = "/sys/module/vfio_pci/parameters/enable_sriov";
    private static final int SRIOV = 0x100;
    private static final int PM = 0x80;
    private static final long CONFIG_REGION = 7L << 40;

    private final TestMachine m = machine();
    private final EmulatedKernel k = m.kernel;

    /** A PF with 3 VFs (device 0x11e9, one 4 KiB BAR) at 00:04.0 and a plain function at 00:05.0. */
    static TestMachine machine() {
        return TestMachine.withTopology(
                EmulatorConfig.defaults(),
                PciTopology.build(List.of(PciNode.endpoint(4, 0, pf()), PciNode.endpoint(5, 0, vf()))));
    }

    static PciFunction pf() {
        return PciFunction.builder(0x1234, 0x11e8)
                .memoryBar(0, 0x1000, false, false, NO_REGISTERS)
                .pciExpress(0x40, PcieType.RC_INTEGRATED_ENDPOINT, true)
                .powerManagement(PM)
                .sriov(SRIOV, 3, 1, 1, n -> vf())
                .build();
    }

    private static PciFunction vf() {
        return PciFunction.builder(0x1234, 0x11e9)
                .memoryBar(0, 0x1000, false, false, NO_REGISTERS)
                .pciExpress(0x40, PcieType.RC_INTEGRATED_ENDPOINT, true)
                .build();
    }

    private static final MmioHandler NO_REGISTERS = new MmioHandler() {
        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {}
    };

    private int pfConfig(int offset) {
        return k.pciBus().device(PF).orElseThrow().function().config().read(SRIOV + offset, 2);
    }

    @Test
    void aPfShowsItsCapabilityInSysfs() {
        assertThat(m.read(DEV + PF + "/sriov_totalvfs")).isEqualTo("3\n");
        assertThat(m.read(DEV + PF + "/sriov_numvfs")).isEqualTo("0\n");
        assertThat(m.read(DEV + PF + "/sriov_offset")).isEqualTo("1\n");
        assertThat(m.read(DEV + PF + "/sriov_stride")).isEqualTo("1\n");
        assertThat(m.read(DEV + PF + "/sriov_vf_device")).isEqualTo("11e9\n");
        assertThat(m.read(DEV + PF + "/sriov_drivers_autoprobe")).isEqualTo("1\n");
        assertThat(m.read(DEV + PF + "/sriov_vf_total_msix")).isEqualTo("0\n");
        assertThat(errno(() -> m.read(DEV + OTHER + "/sriov_totalvfs"))).isEqualTo(Errno.ENOENT);
        PciFunction f = k.pciBus().device(PF).orElseThrow().function();
        assertThat(f.config().read(SRIOV, 4) & 0xffff).isEqualTo(EXT_CAP_ID_SRIOV);
        assertThat(pfConfig(SRIOV_TOTAL_VF)).isEqualTo(3);
        assertThat(pfConfig(SRIOV_VF_DID)).isEqualTo(0x11e9);
        // VF BAR0 sized as the VF's BAR0
        f.config().write(SRIOV + SRIOV_BAR, 4, 0xffffffff);
        assertThat(f.config().read(SRIOV + SRIOV_BAR, 4)).isEqualTo(0xfffff000);
    }

    @Test
    void numvfsRefusesWhatLinuxRefuses() {
        String numvfs = DEV + PF + "/sriov_numvfs";
        assertThat(errno(() -> m.write(numvfs, "x"))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> m.write(numvfs, "65536"))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> m.write(numvfs, "-1"))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> m.write(numvfs, "4"))).isEqualTo(Errno.ERANGE);
        m.write(numvfs, "0"); // the current count: nothing to do, even without a driver
        assertThat(errno(() -> m.write(numvfs, "1"))).isEqualTo(Errno.ENOENT); // no driver
        m.bindToVfio(PF);
        assertThat(errno(() -> m.write(numvfs, "1"))).isEqualTo(Errno.ENOENT); // enable_sriov is N
        m.write(ENABLE_SRIOV, "Y");
        m.write(numvfs, "0x2\n");
        assertThat(m.read(numvfs)).isEqualTo("2\n");
        assertThat(errno(() -> m.write(numvfs, "1"))).isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> m.write(numvfs, "3"))).isEqualTo(Errno.EBUSY);
        m.write(numvfs, "2");
        m.write(numvfs, "0");
        assertThat(m.read(numvfs)).isEqualTo("0\n");
    }

    @Test
    void vfsAppearAsFunctionsInGroupsOfTheirOwnBoundToVfioPci() {
        m.bindToVfio(PF);
        m.write(ENABLE_SRIOV, "1");
        m.write(DEV + PF + "/sriov_numvfs", "2");
        assertThat(pfConfig(SRIOV_CTRL) & SRIOV_CTRL_VFE).isNotZero();
        assertThat(pfConfig(SRIOV_NUM_VF)).isEqualTo(2);
        assertThat(k.readlink(DEV + PF + "/virtfn0")).isEqualTo("../0000:00:04.1");
        assertThat(k.readlink(DEV + PF + "/virtfn1")).isEqualTo("../0000:00:04.2");
        assertThat(k.readlink(DEV + VF1 + "/physfn")).isEqualTo("../0000:00:04.0");
        assertThat(k.readlink("/sys/bus/pci/devices/" + VF0)).isEqualTo("../../../devices/pci0000:00/0000:00:04.1");
        assertThat(m.read(DEV + VF0 + "/device")).isEqualTo("0x11e9\n");
        assertThat(m.read(DEV + VF0 + "/driver_override")).isEqualTo("vfio-pci\n");
        assertThat(k.readlink(DEV + VF0 + "/driver")).isEqualTo("../../../bus/pci/drivers/vfio-pci");
        assertThat(errno(() -> m.read(DEV + VF0 + "/sriov_numvfs"))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> m.write(DEV + VF0 + "/sriov_vf_msix_count", "x")))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> m.write(DEV + VF0 + "/sriov_vf_msix_count", "4")))
                .isEqualTo(Errno.EOPNOTSUPP);
        // groups 0 and 1 are the boot functions'; each VF gets the next free one
        assertThat(k.readlink(DEV + VF0 + "/iommu_group")).isEqualTo("../../../kernel/iommu_groups/2");
        assertThat(k.readlink(DEV + VF1 + "/iommu_group")).isEqualTo("../../../kernel/iommu_groups/3");
        assertThat(k.listDirectory("/sys/kernel/iommu_groups/3/devices")).containsExactly(VF1);
        assertThat(k.listDirectory("/dev/vfio")).contains("2", "3");
        PciDevice vf = k.pciBus().device(VF1).orElseThrow();
        assertThat(vf.isVirtfn()).isTrue();
        assertThat(vf.physfn().name()).isEqualTo(PF);
        assertThat(vf.iommuGroup().id()).isEqualTo(3);

        m.write(DEV + PF + "/sriov_numvfs", "0");
        assertThat(k.pciBus().device(VF0)).isEmpty();
        assertThat(errno(() -> k.readlink(DEV + PF + "/virtfn0"))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> k.listDirectory("/sys/kernel/iommu_groups/2/devices")))
                .isEqualTo(Errno.ENOENT);
        assertThat(k.listDirectory("/dev/vfio")).doesNotContain("2", "3");
        assertThat(pfConfig(SRIOV_CTRL) & SRIOV_CTRL_VFE).isZero();
        // the group IDs are free again
        m.write(DEV + PF + "/sriov_numvfs", "1");
        assertThat(k.readlink(DEV + VF0 + "/iommu_group")).isEqualTo("../../../kernel/iommu_groups/2");
    }

    @Test
    void unbindingThePfTakesItsVfsAwayAndAPfWithVfsCannotBeBound() {
        m.bindToVfio(PF);
        m.write(ENABLE_SRIOV, "Y");
        m.write(DEV + PF + "/sriov_numvfs", "3");
        m.unbind(PF);
        assertThat(k.pciBus().device(VF0)).isEmpty();
        assertThat(m.read(DEV + PF + "/sriov_numvfs")).isEqualTo("0\n");

        PciDevice pf = k.pciBus().device(PF).orElseThrow();
        k.pciBus().enableSriov(pf, 1); // as a PF driver of the host would
        assertThat(errno(() -> m.write("/sys/bus/pci/drivers/vfio-pci/bind", PF)))
                .isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> k.pciBus().enableSriov(pf, 1))).isEqualTo(Errno.EINVAL); // enabled already
        k.pciBus().disableSriov(pf);
        assertThat(errno(() -> k.pciBus().enableSriov(pf, 4))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void withoutAutoprobeVfsStayUnboundUnlessOverridden() {
        m.bindToVfio(PF);
        m.write(ENABLE_SRIOV, "Y");
        m.write(DEV + PF + "/sriov_drivers_autoprobe", "0");
        assertThat(m.read(DEV + PF + "/sriov_drivers_autoprobe")).isEqualTo("0\n");
        // vfio-pci sets the override, which pci_device_can_probe lets through
        m.write(DEV + PF + "/sriov_numvfs", "1");
        assertThat(k.readlink(DEV + VF0 + "/driver")).isEqualTo("../../../bus/pci/drivers/vfio-pci");
    }

    @Test
    void aPfWithVfsStaysInD0() {
        m.bindToVfio(PF);
        assertThat(m.read(DEV + PF + "/power_state")).isEqualTo("D3hot\n"); // idle
        m.write(ENABLE_SRIOV, "Y");
        m.write(DEV + PF + "/sriov_numvfs", "1");
        assertThat(m.read(DEV + PF + "/power_state")).isEqualTo("D0\n");
        try (TestMachine.Iommufd iommufd = m.openIommufd()) {
            int fd = m.openBound(m.cdev(PF), iommufd.fd);
            m.pwrite(fd, CONFIG_REGION + PM + PM_CTRL, 2, 3); // the user asks for D3hot: refused
            assertThat(m.read(DEV + PF + "/power_state")).isEqualTo("D0\n");
            m.write(DEV + PF + "/sriov_numvfs", "0");
            m.pwrite(fd, CONFIG_REGION + PM + PM_CTRL, 2, 3);
            assertThat(m.read(DEV + PF + "/power_state")).isEqualTo("D3hot\n");
            m.kernel.close(fd);
        }
        assertThat(m.read(DEV + PF + "/power_state")).isEqualTo("D3hot\n");
    }

    @Test
    void aPfResetKeepsItsVfsAndResetsThem() {
        PciFunction f = k.pciBus().device(PF).orElseThrow().function();
        m.bindToVfio(PF);
        m.write(ENABLE_SRIOV, "Y");
        m.write(DEV + PF + "/sriov_numvfs", "1");
        PciFunction vf = k.pciBus().device(VF0).orElseThrow().function();
        vf.config().write(COMMAND, 2, COMMAND_MEMORY);
        f.functionLevelReset();
        assertThat(pfConfig(SRIOV_CTRL) & SRIOV_CTRL_VFE).isNotZero();
        assertThat(pfConfig(SRIOV_NUM_VF)).isEqualTo(1);
        assertThat(f.sriov().orElseThrow().virtfn(0)).isSameAs(vf);
        assertThat(vf.config().read(COMMAND, 2)).isZero();
        // NumVFs written while VF Enable is set does not bring more VFs up
        f.config().write(SRIOV + SRIOV_NUM_VF, 2, 3);
        assertThatThrownBy(() -> f.sriov().orElseThrow().virtfn(1)).isInstanceOf(IllegalStateException.class);
    }
}
