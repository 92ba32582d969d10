package io.jvfio.emulator.vfio;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.kvm.KvmConst;
import io.jvfio.abi.kvm.KvmCreateDevice;
import io.jvfio.abi.kvm.KvmDeviceAttr;
import io.jvfio.abi.kvm.KvmIoctl;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.emulator.boot.EmulatedKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The minimal /dev/kvm and the kvm-vfio device: files tell their devices which VM they belong to. */
class KvmVfioTest {
    private final Arena arena = Arena.ofAuto();
    private final TestMachine m = TestMachine.boot();
    private final EmulatedKernel k = m.kernel;

    private int createVfioDevice(int vm) {
        MemorySegment cd = KvmCreateDevice.DEF.allocate(arena);
        KvmCreateDevice.TYPE.set(cd, KvmConst.KVM_DEV_TYPE_VFIO);
        k.ioctl(vm, KvmIoctl.KVM_CREATE_DEVICE, cd);
        return KvmCreateDevice.FD.get(cd);
    }

    private void fileAttr(int dev, long request, int attr, int fd) {
        MemorySegment fdArg = arena.allocate(ValueLayout.JAVA_INT);
        fdArg.set(ValueLayout.JAVA_INT, 0, fd);
        MemorySegment a = KvmDeviceAttr.DEF.allocate(arena);
        KvmDeviceAttr.GROUP.set(a, KvmConst.KVM_DEV_VFIO_FILE);
        KvmDeviceAttr.ATTR.set(a, attr);
        KvmDeviceAttr.ADDR.set(a, fdArg.address());
        k.ioctl(dev, request, a);
    }

    @Test
    void createVmAndDevice() {
        int kvm = k.open("/dev/kvm", Linux.O.RDWR);
        assertThat(k.ioctl(kvm, KvmIoctl.KVM_GET_API_VERSION, 0L)).isEqualTo(KvmConst.KVM_API_VERSION);
        assertThat(errno(() -> k.ioctl(kvm, KvmIoctl.KVM_CREATE_VM, 7L))).isEqualTo(Errno.EINVAL);
        int vm = (int) k.ioctl(kvm, KvmIoctl.KVM_CREATE_VM, 0L);
        MemorySegment test = KvmCreateDevice.DEF.allocate(arena);
        KvmCreateDevice.TYPE.set(test, KvmConst.KVM_DEV_TYPE_VFIO);
        KvmCreateDevice.FLAGS.set(test, KvmCreateDevice.CREATE_DEVICE_TEST);
        KvmCreateDevice.FD.set(test, -1);
        k.ioctl(vm, KvmIoctl.KVM_CREATE_DEVICE, test);
        assertThat(KvmCreateDevice.FD.get(test)).isEqualTo(-1);
        MemorySegment other = KvmCreateDevice.DEF.allocate(arena);
        KvmCreateDevice.TYPE.set(other, 99);
        assertThat(errno(() -> k.ioctl(vm, KvmIoctl.KVM_CREATE_DEVICE, other))).isEqualTo(Errno.ENODEV);
        int dev = createVfioDevice(vm);
        assertThat(dev).isPositive();
        assertThat(errno(() -> createVfioDevice(vm))).isEqualTo(Errno.EBUSY);
        fileAttr(dev, KvmIoctl.KVM_HAS_DEVICE_ATTR, KvmConst.KVM_DEV_VFIO_FILE_ADD, 0);
        assertThat(errno(() -> fileAttr(dev, KvmIoctl.KVM_HAS_DEVICE_ATTR, 9, 0)))
                .isEqualTo(Errno.ENXIO);
        assertThat(errno(() -> fileAttr(dev, KvmIoctl.KVM_GET_DEVICE_ATTR, KvmConst.KVM_DEV_VFIO_FILE_ADD, 0)))
                .isEqualTo(Errno.EPERM);
    }

    @Test
    void fileAddAcceptsVfioFilesOnly() {
        m.bindToVfio(TestMachine.EDU);
        int vm = (int) k.ioctl(k.open("/dev/kvm", Linux.O.RDWR), KvmIoctl.KVM_CREATE_VM, 0L);
        int dev = createVfioDevice(vm);
        int devNull = k.open("/dev/null", Linux.O.RDWR);
        assertThat(errno(() -> fileAttr(dev, KvmIoctl.KVM_SET_DEVICE_ATTR, KvmConst.KVM_DEV_VFIO_FILE_ADD, devNull)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> fileAttr(dev, KvmIoctl.KVM_SET_DEVICE_ATTR, KvmConst.KVM_DEV_VFIO_FILE_ADD, 999)))
                .isEqualTo(Errno.EBADF);
        int group = k.open("/dev/vfio/0", Linux.O.RDWR);
        fileAttr(dev, KvmIoctl.KVM_SET_DEVICE_ATTR, KvmConst.KVM_DEV_VFIO_FILE_ADD, group);
        assertThat(errno(() -> fileAttr(dev, KvmIoctl.KVM_SET_DEVICE_ATTR, KvmConst.KVM_DEV_VFIO_FILE_ADD, group)))
                .isEqualTo(Errno.EEXIST);
        fileAttr(dev, KvmIoctl.KVM_SET_DEVICE_ATTR, KvmConst.KVM_DEV_VFIO_FILE_DEL, group);
        assertThat(errno(() -> fileAttr(dev, KvmIoctl.KVM_SET_DEVICE_ATTR, KvmConst.KVM_DEV_VFIO_FILE_DEL, group)))
                .isEqualTo(Errno.ENOENT);
    }

    @Test
    void aDeviceOpenedAfterFileAddBelongsToTheVm() {
        m.bindToVfio(TestMachine.EDU);
        VfioDevice vdev = m.vfioDevice(TestMachine.EDU);
        int vm = (int) k.ioctl(k.open("/dev/kvm", Linux.O.RDWR), KvmIoctl.KVM_CREATE_VM, 0L);
        int dev = createVfioDevice(vm);
        int cdev = k.open("/dev/vfio/devices/vfio0", Linux.O.RDWR);
        fileAttr(dev, KvmIoctl.KVM_SET_DEVICE_ATTR, KvmConst.KVM_DEV_VFIO_FILE_ADD, cdev);
        assertThat(vdev.kvm()).isNull(); // taken at open, not at FILE_ADD
        MemorySegment bind = VfioDeviceBindIommufd.DEF.allocate(arena);
        VfioDeviceBindIommufd.IOMMUFD.set(bind, k.open("/dev/iommu", Linux.O.RDWR));
        k.ioctl(cdev, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind);
        assertThat(vdev.kvm()).isNotNull();
        k.close(cdev);
        assertThat(vdev.kvm()).isNotNull(); // kvm-vfio still holds the file, so the device stays open
        k.close(dev);
        k.close(vm); // the VM goes away with its last fd and its kvm-vfio device drops the file
        assertThat(vdev.kvm()).isNull();
    }
}
