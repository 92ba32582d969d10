package io.jvfio.conformance.migration;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioIoctl;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** BIND_IOMMUFD's VF token on a driver without match_token_uuid (mtty): vfio_df_check_token. */
class MttyBindTokenTest extends MttyFixture {
    @Test
    @DisplayName("a token is EINVAL before its UUID is read; without one the bind works")
    void aTokenIsRefusedUnread() {
        String cdev = "/dev/vfio/devices/"
                + k.listDirectory("/sys/bus/mdev/devices/" + SOURCE + "/vfio-dev")
                        .getFirst();
        int fd = track(k.open(cdev, Linux.O.RDWR));
        MemorySegment bind = VfioDeviceBindIommufd.DEF.allocate(arena);
        VfioDeviceBindIommufd.IOMMUFD.set(bind, track(k.open("/dev/iommu", Linux.O.RDWR)));
        VfioDeviceBindIommufd.FLAGS.set(bind, VfioDeviceBindIommufd.FLAG_TOKEN);
        VfioDeviceBindIommufd.TOKEN_UUID_PTR.set(bind, 8); // unreadable: never read
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind)))
                .isEqualTo(Errno.EINVAL);
        VfioDeviceBindIommufd.TOKEN_UUID_PTR.set(bind, arena.allocate(16).address());
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind)))
                .isEqualTo(Errno.EINVAL);
        VfioDeviceBindIommufd.FLAGS.set(bind, 0);
        k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind);
        assertThat(VfioDeviceBindIommufd.OUT_DEVID.get(bind)).isPositive();
    }
}
