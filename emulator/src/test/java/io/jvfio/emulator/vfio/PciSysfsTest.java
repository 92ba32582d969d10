package io.jvfio.emulator.vfio;

import static io.jvfio.testkit.Errnos.errno;
import static io.jvfio.testkit.Sysfs.read;
import static io.jvfio.testkit.Sysfs.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.boot.EmulatedKernel;
import org.junit.jupiter.api.Test;

/** The PCI driver core through sysfs: attributes, links, driver_override, drivers_probe, bind, unbind, new_id. */
class PciSysfsTest {
    private final TestMachine m = TestMachine.boot();
    private final EmulatedKernel k = m.kernel;

    @Test
    void attributesReadAsLinuxPrintsThem() {
        String dev = "/sys/bus/pci/devices/" + TestMachine.EDU;
        assertThat(read(k, dev + "/vendor")).isEqualTo("0x1234\n");
        assertThat(read(k, dev + "/device")).isEqualTo("0x11e8\n");
        assertThat(read(k, dev + "/class")).isEqualTo("0x00ff00\n");
        assertThat(read(k, dev + "/revision")).isEqualTo("0x10\n");
        assertThat(read(k, dev + "/subsystem_vendor")).isEqualTo("0x1af4\n");
        assertThat(read(k, dev + "/subsystem_device")).isEqualTo("0x1100\n");
        assertThat(read(k, dev + "/driver_override")).isEqualTo("(null)\n");
        assertThat(k.readlink("/sys/bus/pci/devices/" + TestMachine.BELOW_BRIDGE_1))
                .isEqualTo("../../../devices/pci0000:00/0000:00:1e.0/0000:02:01.0");
        assertThat(k.readlink(dev + "/iommu_group")).isEqualTo("../../../kernel/iommu_groups/0");
        assertThat(k.listDirectory("/sys/kernel/iommu_groups/3/devices"))
                .containsExactly(TestMachine.BRIDGE, TestMachine.BELOW_BRIDGE_1, TestMachine.BELOW_BRIDGE_2);
        assertThat(read(k, "/sys/kernel/iommu_groups/0/devices/" + TestMachine.EDU + "/vendor"))
                .isEqualTo("0x1234\n");
    }

    @Test
    void endpointsBootUnboundAndPortsOnPcieport() {
        assertThat(errno(() -> k.readlink("/sys/bus/pci/devices/" + TestMachine.EDU + "/driver")))
                .isEqualTo(Errno.ENOENT);
        assertThat(k.readlink("/sys/bus/pci/devices/" + TestMachine.ROOT_PORT + "/driver"))
                .isEqualTo("../../../bus/pci/drivers/pcieport");
        assertThat(k.listDirectory("/sys/bus/pci/drivers"))
                .containsExactly("jvfio-mig-vfio-pci", "pcieport", "vfio-mdev-pci", "vfio-pci");
    }

    @Test
    void driverOverrideAndDriversProbeBindToVfioPci() {
        m.bindToVfio(TestMachine.EDU);
        String dev = "/sys/bus/pci/devices/" + TestMachine.EDU;
        assertThat(read(k, dev + "/driver_override")).isEqualTo("vfio-pci\n");
        assertThat(k.readlink(dev + "/driver")).isEqualTo("../../../bus/pci/drivers/vfio-pci");
        assertThat(k.listDirectory(dev + "/vfio-dev")).containsExactly("vfio0");
        assertThat(read(k, "/sys/class/vfio-dev/vfio0/dev")).endsWith(":0\n");
        assertThat(k.readlink("/sys/class/vfio-dev/vfio0"))
                .isEqualTo("../../devices/pci0000:00/0000:00:04.0/vfio-dev/vfio0");
        assertThat(k.listDirectory("/dev/vfio")).contains("0", "devices", "vfio");
        assertThat(k.listDirectory("/sys/bus/pci/drivers/vfio-pci")).contains(TestMachine.EDU);

        write(k, "/sys/bus/pci/drivers/vfio-pci/unbind", TestMachine.EDU);
        assertThat(errno(() -> k.readlink(dev + "/driver"))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> k.open("/dev/vfio/devices/vfio0", Linux.O.RDWR))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> k.open("/dev/vfio/0", Linux.O.RDWR))).isEqualTo(Errno.ENOENT);
        // still overridden: a reprobe binds again, at the lowest free index
        write(k, "/sys/bus/pci/drivers/vfio-pci/bind", TestMachine.EDU + "\n");
        assertThat(k.listDirectory(dev + "/vfio-dev")).containsExactly("vfio0");
    }

    @Test
    void clearingTheOverrideAndBadWrites() {
        String override = "/sys/bus/pci/devices/" + TestMachine.EDU + "/driver_override";
        write(k, override, "vfio-pci");
        write(k, override, "\n");
        assertThat(read(k, override)).isEqualTo("(null)\n");
        // without an override vfio-pci's ID table matches nothing
        write(k, "/sys/bus/pci/drivers_probe", TestMachine.EDU);
        assertThat(errno(() -> k.readlink("/sys/bus/pci/devices/" + TestMachine.EDU + "/driver")))
                .isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> write(k, "/sys/bus/pci/drivers/vfio-pci/bind", TestMachine.EDU)))
                .isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> write(k, "/sys/bus/pci/drivers_probe", "0000:00:09.0")))
                .isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> write(k, "/sys/bus/pci/drivers/vfio-pci/unbind", TestMachine.EDU)))
                .isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> write(k, override, "x".repeat(4095)))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> write(k, "/sys/bus/pci/drivers/vfio-pci/new_id", "1234")))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.open("/sys/bus/pci/devices/" + TestMachine.EDU + "/vendor", Linux.O.WRONLY)))
                .isEqualTo(Errno.EACCES);
        assertThat(errno(() -> k.open("/sys/bus/pci/drivers_probe", Linux.O.RDONLY)))
                .isEqualTo(Errno.EACCES);
        // a bound device: bind is EBUSY
        m.bindToVfio(TestMachine.EDU2);
        assertThat(errno(() -> write(k, "/sys/bus/pci/drivers/vfio-pci/bind", TestMachine.EDU2)))
                .isEqualTo(Errno.EBUSY);
    }

    @Test
    void newIdBindsEveryUnboundMatchingDevice() {
        write(k, "/sys/bus/pci/drivers/vfio-pci/new_id", "1234 11e8\n");
        assertThat(k.listDirectory("/dev/vfio/devices")).containsExactly("vfio0", "vfio1", "vfio2", "vfio3", "vfio4");
        assertThat(k.listDirectory("/dev/vfio")).contains("0", "1", "3", "4");
    }
}
