package io.jvfio.conformance.vfio;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioDeviceInfo;
import io.jvfio.abi.vfio.VfioGroupStatus;
import io.jvfio.abi.vfio.VfioIoctl;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** semantics.md VI, rules 37 and 39: the group path, the container, and group/cdev exclusion. */
class GroupTest extends VfioFixture {
    private int status(int group) {
        MemorySegment s = VfioGroupStatus.DEF.allocate(arena);
        k.ioctl(group, VfioIoctl.VFIO_GROUP_GET_STATUS, s);
        return VfioGroupStatus.FLAGS.get(s);
    }

    private void setContainer(int group, int container) {
        k.ioctl(group, VfioIoctl.VFIO_GROUP_SET_CONTAINER, intArg(container));
    }

    private int deviceFd(int group) {
        return (int) k.ioctl(group, VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, cString(edu.bdf()));
    }

    @Test
    @DisplayName("37: the group file opens once")
    void groupOpensOnce() {
        int g = open(edu.groupDev());
        assertThat(errno(() -> open(edu.groupDev()))).isEqualTo(Errno.EBUSY);
        close(g);
        open(edu.groupDev());
    }

    @Test
    @DisplayName("37: a cdev bind and the group file exclude each other")
    void cdevAndGroupExclusion() {
        int g = open(edu.groupDev());
        int cdev = open(edu.cdev()); // opening the cdev is fine
        assertThat(errno(() -> bind(cdev, iommufd()))).isEqualTo(Errno.EBUSY);
        close(g);
        bind(cdev, iommufd());
        assertThat(errno(() -> open(edu.groupDev()))).isEqualTo(Errno.EBUSY);
        close(cdev);
        open(edu.groupDev());
    }

    @Test
    @DisplayName("39: GET_STATUS: viable; container set after SET_CONTAINER")
    void status() {
        int g = open(edu.groupDev());
        assertThat(status(g)).isEqualTo(VfioGroupStatus.FLAGS_VIABLE);
        MemorySegment shortStatus = VfioGroupStatus.DEF.allocate(arena);
        VfioGroupStatus.ARGSZ.set(shortStatus, 7);
        assertThat(errno(() -> k.ioctl(g, VfioIoctl.VFIO_GROUP_GET_STATUS, shortStatus)))
                .isEqualTo(Errno.EINVAL);
        setContainer(g, open("/dev/vfio/vfio"));
        assertThat(status(g)).isEqualTo(VfioGroupStatus.FLAGS_VIABLE | VfioGroupStatus.FLAGS_CONTAINER_SET);
        k.ioctl(g, VfioIoctl.VFIO_GROUP_UNSET_CONTAINER, 0L);
        assertThat(status(g)).isEqualTo(VfioGroupStatus.FLAGS_VIABLE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dev/vfio/vfio", "/dev/iommu"})
    @DisplayName("39: SET_CONTAINER takes the container or an iommufd, once")
    void setContainerOnce(String container) {
        int g = open(edu.groupDev());
        int c = open(container);
        setContainer(g, c);
        assertThat(errno(() -> setContainer(g, c))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setContainer(g, open("/dev/iommu")))).isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName("39: SET_CONTAINER refuses bad fds and other files; UNSET needs a container")
    void setContainerRefusals() {
        int g = open(edu.groupDev());
        int closed = open("/dev/null");
        close(closed);
        assertThat(errno(() -> setContainer(g, closed))).isEqualTo(Errno.EBADF);
        assertThat(errno(() -> setContainer(g, open("/dev/null")))).isEqualTo(Errno.EBADFD);
        assertThat(errno(() -> setContainer(g, open(edu.cdev())))).isEqualTo(Errno.EBADFD);
        assertThat(errno(() -> k.ioctl(g, VfioIoctl.VFIO_GROUP_UNSET_CONTAINER, 0L)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.ioctl(g, VfioIoctl.VFIO_DEVICE_GET_INFO, 0L))).isEqualTo(Errno.ENOTTY);
    }

    @Test
    @DisplayName("39: GET_DEVICE_FD needs a container, finds the device by name, opens it several times")
    void getDeviceFd() {
        int g = open(edu.groupDev());
        assertThat(errno(() -> deviceFd(g))).isEqualTo(Errno.EINVAL);
        setContainer(g, open("/dev/vfio/vfio"));
        assertThat(errno(() -> k.ioctl(g, VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, cString("0000:00:1f.7"))))
                .isEqualTo(Errno.ENODEV);
        int d1 = deviceFd(g);
        int d2 = deviceFd(g);
        MemorySegment info = VfioDeviceInfo.DEF.allocate(arena);
        k.ioctl(d1, VfioIoctl.VFIO_DEVICE_GET_INFO, info);
        k.ioctl(d2, VfioIoctl.VFIO_DEVICE_GET_INFO, info);
        assertThat(VfioDeviceInfo.NUM_REGIONS.get(info)).isPositive();
        // a group-opened device fd is not a cdev fd
        assertThat(errno(() -> bind(d1, iommufd()))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> attach(d1, 1))).isEqualTo(Errno.ENOTTY);
        k.close(d1);
        k.close(d2);
    }

    @Test
    @DisplayName("39: the group path attaches the device to the compat IOAS of the iommufd")
    void groupPathUsesCompatIoas() {
        int g = open(edu.groupDev());
        int iommufd = iommufd();
        setContainer(g, iommufd);
        MemorySegment get = IommuVfioIoas.DEF.allocate(arena);
        IommuVfioIoas.OP.set(get, IommuVfioIoas.GET);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_VFIO_IOAS, get);
        int compat = IommuVfioIoas.IOAS_ID.get(get);
        MemorySegment destroy = IommuDestroy.DEF.allocate(arena);
        IommuDestroy.ID.set(destroy, compat);
        int d = deviceFd(g);
        // the device's automatic HWPT holds the compat IOAS
        assertThat(errno(() -> k.ioctl(iommufd, IommufdIoctl.IOMMU_DESTROY, destroy)))
                .isEqualTo(Errno.EBUSY);
        k.close(d);
    }
}
