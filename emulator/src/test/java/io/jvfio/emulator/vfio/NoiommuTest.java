package io.jvfio.emulator.vfio;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.testkit.Sysfs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** semantics.md rule 40: no-IOMMU devices (a machine without an IOMMU, unsafe mode on). */
class NoiommuTest {
    private final Arena arena = Arena.ofAuto();

    private MemorySegment intArg(int v) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_INT);
        s.set(ValueLayout.JAVA_INT, 0, v);
        return s;
    }

    @Test
    void fakeGroupAndNoCdev() {
        TestMachine m = TestMachine.boot(EmulatorConfig.defaults().withNoiommu(true));
        EmulatedKernel k = m.kernel;
        assertThat(k.listDirectory("/sys/bus/pci/devices/" + TestMachine.EDU)).doesNotContain("iommu_group");
        m.bindToVfio(TestMachine.EDU);
        // the machine's topology would have had groups 0-4; the fake one takes the next ID
        assertThat(k.listDirectory("/dev/vfio")).containsExactly("noiommu-5", "vfio");
        assertThat(Sysfs.read(k, "/sys/kernel/iommu_groups/5/name")).isEqualTo("vfio-noiommu\n");
        assertThat(k.listDirectory("/sys/bus/pci/devices/" + TestMachine.EDU + "/vfio-dev"))
                .containsExactly("vfio0");
        assertThat(errno(() -> k.open("/dev/vfio/devices/vfio0", Linux.O.RDWR))).isEqualTo(Errno.ENOENT);
    }

    @Test
    void groupOpenNeedsCapSysRawio() {
        TestMachine m =
                TestMachine.boot(EmulatorConfig.defaults().withNoiommu(true).withCapSysRawio(false));
        m.bindToVfio(TestMachine.EDU);
        assertThat(errno(() -> m.kernel.open("/dev/vfio/noiommu-5", Linux.O.RDWR)))
                .isEqualTo(Errno.EPERM);
    }

    @Test
    void setContainerSwitchesTheIommufdToNoIommuMode() {
        TestMachine m = TestMachine.boot(EmulatorConfig.defaults().withNoiommu(true));
        EmulatedKernel k = m.kernel;
        m.bindToVfio(TestMachine.EDU);
        int group = k.open("/dev/vfio/noiommu-5", Linux.O.RDWR);
        int container = k.open("/dev/vfio/vfio", Linux.O.RDWR);
        k.ioctl(group, VfioIoctl.VFIO_GROUP_SET_CONTAINER, intArg(container));
        assertThat(k.ioctl(container, VfioIoctl.VFIO_CHECK_EXTENSION, VfioConst.VFIO_TYPE1v2_IOMMU))
                .isZero();
        assertThat(errno(() -> k.ioctl(container, VfioIoctl.VFIO_SET_IOMMU, VfioConst.VFIO_TYPE1v2_IOMMU)))
                .isEqualTo(Errno.EINVAL);
        k.ioctl(container, VfioIoctl.VFIO_SET_IOMMU, VfioConst.VFIO_NOIOMMU_IOMMU);
        int device = (int) k.ioctl(group, VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, arena.allocateFrom(TestMachine.EDU));
        VfioDevice vdev = m.vfioDevice(TestMachine.EDU);
        assertThat(vdev.devSet().openCount()).isEqualTo(1);
        // no iommufd bind for a no-IOMMU device
        assertThat(vdev.iommufdCtx()).isNull();
        k.close(device);
        assertThat(vdev.devSet().openCount()).isZero();
    }

    @Test
    void anIommufdWithACompatIoasRefusesNoIommuGroups() {
        TestMachine m = TestMachine.boot(EmulatorConfig.defaults().withNoiommu(true));
        EmulatedKernel k = m.kernel;
        m.bindToVfio(TestMachine.EDU);
        int iommufd = k.open("/dev/iommu", Linux.O.RDWR);
        MemorySegment alloc = IommuIoasAlloc.DEF.allocate(arena);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, alloc);
        MemorySegment set = IommuVfioIoas.DEF.allocate(arena);
        IommuVfioIoas.OP.set(set, IommuVfioIoas.SET);
        IommuVfioIoas.IOAS_ID.set(set, IommuIoasAlloc.OUT_IOAS_ID.get(alloc));
        k.ioctl(iommufd, IommufdIoctl.IOMMU_VFIO_IOAS, set);
        int group = k.open("/dev/vfio/noiommu-5", Linux.O.RDWR);
        assertThat(errno(() -> k.ioctl(group, VfioIoctl.VFIO_GROUP_SET_CONTAINER, intArg(iommufd))))
                .isEqualTo(Errno.EINVAL);
    }
}
