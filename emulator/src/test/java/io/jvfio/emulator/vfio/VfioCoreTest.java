package io.jvfio.emulator.vfio;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.testkit.Sysfs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Emulator-only views of the VFIO core: driver callbacks, unregistration, the group-off switch, hot reset helpers. */
class VfioCoreTest {
    private final Arena arena = Arena.ofAuto();

    private int bind(EmulatedKernel k, int deviceFd, int iommufd) {
        MemorySegment s = VfioDeviceBindIommufd.DEF.allocate(arena);
        VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd);
        k.ioctl(deviceFd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, s);
        return VfioDeviceBindIommufd.OUT_DEVID.get(s);
    }

    private MemorySegment intArg(int v) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_INT);
        s.set(ValueLayout.JAVA_INT, 0, v);
        return s;
    }

    @Test
    void groupOpensCountAndTheLastCloseUnbinds() {
        TestMachine m = TestMachine.boot();
        EmulatedKernel k = m.kernel;
        m.bindToVfio(TestMachine.EDU);
        int group = k.open("/dev/vfio/0", Linux.O.RDWR);
        k.ioctl(group, VfioIoctl.VFIO_GROUP_SET_CONTAINER, intArg(k.open("/dev/vfio/vfio", Linux.O.RDWR)));
        MemorySegment name = arena.allocateFrom(TestMachine.EDU);
        VfioDevice vdev = m.vfioDevice(TestMachine.EDU);
        int d1 = (int) k.ioctl(group, VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, name);
        assertThat(vdev.iommufdCtx()).isNotNull(); // the first open bound it to the container
        int d2 = (int) k.ioctl(group, VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, name);
        assertThat(vdev.devSet().openCount()).isEqualTo(2);
        k.close(d1);
        assertThat(vdev.iommufdCtx()).isNotNull();
        k.close(d2);
        assertThat(vdev.devSet().openCount()).isZero();
        assertThat(vdev.iommufdCtx()).isNull();
    }

    @Test
    void unbindingTheDriverWaitsForUsers() throws Exception {
        TestMachine m = TestMachine.boot();
        EmulatedKernel k = m.kernel;
        m.bindToVfio(TestMachine.EDU);
        int fd = k.open("/dev/vfio/devices/vfio0", Linux.O.RDWR);
        CompletableFuture<Void> unbind = CompletableFuture.runAsync(
                () -> Sysfs.write(k, "/sys/bus/pci/drivers/vfio-pci/unbind", TestMachine.EDU));
        // the node goes first; then the unbind waits for the open file
        while (k.listDirectory("/dev/vfio").contains("devices")) {
            Thread.onSpinWait();
        }
        assertThat(errno(() -> k.open("/dev/vfio/devices/vfio0", Linux.O.RDWR))).isEqualTo(Errno.ENOENT);
        Thread.sleep(100);
        assertThat(unbind).isNotDone();
        k.close(fd);
        unbind.get(5, TimeUnit.SECONDS);
        assertThat(k.listDirectory("/sys/bus/pci/devices/" + TestMachine.EDU)).doesNotContain("driver", "vfio-dev");
    }

    @Test
    void withoutGroupsOnlyTheCdevExists() {
        TestMachine m = TestMachine.boot(EmulatorConfig.defaults().withVfioGroup(false));
        EmulatedKernel k = m.kernel;
        m.bindToVfio(TestMachine.EDU);
        assertThat(k.listDirectory("/dev/vfio")).containsExactly("devices");
        assertThat(errno(() -> k.open("/dev/vfio/vfio", Linux.O.RDWR))).isEqualTo(Errno.ENOENT);
        int fd = k.open("/dev/vfio/devices/vfio0", Linux.O.RDWR);
        assertThat(bind(k, fd, k.open("/dev/iommu", Linux.O.RDWR))).isPositive();
        assertThat(m.vfioDevice(TestMachine.EDU).cdevOpened()).isTrue();
        k.close(fd);
        assertThat(m.vfioDevice(TestMachine.EDU).cdevOpened()).isFalse();
    }

    @Test
    void hotResetOwnershipHelpers() {
        TestMachine m = TestMachine.boot();
        EmulatedKernel k = m.kernel;
        m.bindToVfio(TestMachine.BELOW_BRIDGE_1);
        m.bindToVfio(TestMachine.BELOW_BRIDGE_2);
        VfioDevice first = m.vfioDevice(TestMachine.BELOW_BRIDGE_1);
        VfioDevice second = m.vfioDevice(TestMachine.BELOW_BRIDGE_2);
        int mine = k.open("/dev/iommu", Linux.O.RDWR);
        int other = k.open("/dev/iommu", Linux.O.RDWR);
        int cdev = k.open("/dev/vfio/devices/vfio" + first.index(), Linux.O.RDWR);
        int devid = bind(k, cdev, mine);
        IommufdCtx myCtx = IommufdCtx.fromFd(k, mine);
        IommufdCtx otherCtx = IommufdCtx.fromFd(k, other);
        try {
            assertThat(first.iommufdCtx()).isSameAs(myCtx);
            assertThat(first.iommufdDevId(myCtx)).isEqualTo(devid);
            assertThat(second.iommufdDevId(myCtx)).isEqualTo(-Errno.ENOENT.number()); // same group: owned
            assertThat(first.iommufdDevId(otherCtx)).isEqualTo(-Errno.ENODEV.number());
            assertThat(second.iommufdCtx()).isNull();
        } finally {
            myCtx.put();
            otherCtx.put();
        }
        OpenFile cdevFile = k.fget(cdev);
        try {
            assertThat(Vfio.fileIsGroup(cdevFile)).isFalse();
            assertThat(Vfio.fileIsValid(cdevFile)).isTrue();
        } finally {
            cdevFile.put();
        }
        k.close(cdev);
        int group = k.open("/dev/vfio/3", Linux.O.RDWR);
        OpenFile groupFile = k.fget(group);
        try {
            assertThat(Vfio.fileIsGroup(groupFile)).isTrue();
            assertThat(Vfio.fileHasDev(groupFile, second)).isTrue();
            assertThat(Vfio.fileHasDev(groupFile, m.vfioDevice(TestMachine.BELOW_BRIDGE_1)))
                    .isTrue();
        } finally {
            groupFile.put();
        }
        m.bindToVfio(TestMachine.EDU);
        OpenFile again = k.fget(group);
        try {
            assertThat(Vfio.fileHasDev(again, m.vfioDevice(TestMachine.EDU))).isFalse();
        } finally {
            again.put();
        }
    }
}
