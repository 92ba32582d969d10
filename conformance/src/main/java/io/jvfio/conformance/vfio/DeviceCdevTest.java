package io.jvfio.conformance.vfio;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceInfo;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioRegionInfo;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md VI, rules 35, 36 and 38: the device cdev path. */
class DeviceCdevTest extends VfioFixture {
    @Test
    @DisplayName("35: a cdev fd is inert until BIND_IOMMUFD; several fds may be open")
    void inertUntilBind() {
        int a = open(edu.cdev());
        int b = open(edu.cdev());
        MemorySegment info = VfioDeviceInfo.DEF.allocate(arena);
        assertThat(errno(() -> k.ioctl(a, VfioIoctl.VFIO_DEVICE_GET_INFO, info)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.ioctl(a, VfioIoctl.VFIO_DEVICE_GET_REGION_INFO, VfioRegionInfo.DEF.allocate(arena))))
                .isEqualTo(Errno.EINVAL);
        MemorySegment feature = VfioDeviceFeature.DEF.allocate(arena);
        VfioDeviceFeature.FLAGS.set(feature, VfioDeviceFeature.FEATURE_PROBE | VfioDeviceFeature.FEATURE_GET);
        assertThat(errno(() -> k.ioctl(b, VfioIoctl.VFIO_DEVICE_FEATURE, feature)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.ioctl(a, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attachStruct(1))))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.ioctl(
                        a, VfioIoctl.VFIO_DEVICE_DETACH_IOMMUFD_PT, VfioDeviceDetachIommufdPt.DEF.allocate(arena))))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.ioctl(a, VfioIoctl.VFIO_DEVICE_RESET, 0L))).isEqualTo(Errno.EINVAL);
        MemorySegment buf = arena.allocate(4);
        assertThat(errno(() -> k.pread(a, buf, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.pwrite(a, buf, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> k.mmap(4096, Linux.Prot.READ, Linux.Map.SHARED, a, 0)))
                .isEqualTo(Errno.EINVAL);

        int devid = bind(a, iommufd());
        assertThat(devid).isPositive();
        k.ioctl(a, VfioIoctl.VFIO_DEVICE_GET_INFO, info);
        assertThat(VfioDeviceInfo.NUM_REGIONS.get(info)).isPositive();
    }

    @Test
    @DisplayName("36: bind once per fd, one bound fd per device")
    void bindOnce() {
        int iommufd = iommufd();
        int a = open(edu.cdev());
        int b = open(edu.cdev());
        bind(a, iommufd);
        assertThat(errno(() -> bind(a, iommufd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bind(b, iommufd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bind(b, iommufd()))).isEqualTo(Errno.EINVAL);
        close(a);
        assertThat(bind(b, iommufd)).isPositive();
    }

    @Test
    @DisplayName("36: BIND_IOMMUFD argument checks in the kernel's order")
    void bindArgumentChecks() {
        int fd = open(edu.cdev());
        int iommufd = iommufd();
        MemorySegment s = bindStruct(iommufd);
        VfioDeviceBindIommufd.ARGSZ.set(s, 15);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, s)))
                .isEqualTo(Errno.EINVAL);

        MemorySegment big = arena.allocate(VfioDeviceBindIommufd.DEF.size() + 8);
        VfioDeviceBindIommufd.ARGSZ.set(big, (int) big.byteSize());
        VfioDeviceBindIommufd.IOMMUFD.set(big, iommufd);
        big.set(java.lang.foreign.ValueLayout.JAVA_BYTE, VfioDeviceBindIommufd.DEF.size() + 3, (byte) 1);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, big)))
                .isEqualTo(Errno.E2BIG);

        MemorySegment flags = bindStruct(iommufd);
        VfioDeviceBindIommufd.FLAGS.set(flags, 2);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, flags)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> bind(fd, -1))).isEqualTo(Errno.EINVAL);

        int notAFile = open("/dev/null");
        close(notAFile);
        assertThat(errno(() -> bind(fd, notAFile))).isEqualTo(Errno.EBADF);
        int devNull = open("/dev/null");
        assertThat(errno(() -> bind(fd, devNull))).isEqualTo(Errno.EBADFD);

        // The edu is neither a VF nor a PF: a VF token is refused.
        MemorySegment token = bindStruct(iommufd);
        VfioDeviceBindIommufd.FLAGS.set(token, VfioDeviceBindIommufd.FLAG_TOKEN);
        VfioDeviceBindIommufd.TOKEN_UUID_PTR.set(token, arena.allocate(16).address());
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, token)))
                .isEqualTo(Errno.EINVAL);
        // vfio-pci has match_token_uuid, so the UUID is read first: EFAULT from a bad pointer
        VfioDeviceBindIommufd.TOKEN_UUID_PTR.set(token, 8);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, token)))
                .isEqualTo(Errno.EFAULT);

        // A minimum-size struct (argsz 16) is enough, and nothing failed stays bound.
        MemorySegment min = bindStruct(iommufd);
        VfioDeviceBindIommufd.ARGSZ.set(min, 16);
        k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, min);
        assertThat(VfioDeviceBindIommufd.OUT_DEVID.get(min)).isPositive();
    }

    @Test
    @DisplayName("38: attach to an IOAS returns the automatic HWPT; re-attach replaces; detach is idempotent")
    void attachReplaceDetach() {
        int iommufd = iommufd();
        int fd = open(edu.cdev());
        int devid = bind(fd, iommufd);
        int ioas1 = ioasAlloc(iommufd);
        int ioas2 = ioasAlloc(iommufd);
        int hwpt1 = attach(fd, ioas1);
        assertThat(hwpt1).isNotIn(ioas1, ioas2, devid).isPositive();
        // the IOAS is in use by the automatic HWPT
        assertThat(errno(() -> destroy(iommufd, ioas1))).isEqualTo(Errno.EBUSY);
        int hwpt2 = attach(fd, ioas2);
        assertThat(hwpt2).isNotIn(ioas1, ioas2, devid, hwpt1).isPositive();
        destroy(iommufd, ioas1); // replaced: the first automatic HWPT went away
        detach(fd);
        detach(fd);
        destroy(iommufd, ioas2);
    }

    @Test
    @DisplayName("38: ATTACH/DETACH argument checks")
    void attachDetachChecks() {
        int iommufd = iommufd();
        int fd = open(edu.cdev());
        int devid = bind(fd, iommufd);
        MemorySegment shortAttach = attachStruct(ioasAlloc(iommufd));
        VfioDeviceAttachIommufdPt.ARGSZ.set(shortAttach, 11);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, shortAttach)))
                .isEqualTo(Errno.EINVAL);
        MemorySegment flags = attachStruct(ioasAlloc(iommufd));
        VfioDeviceAttachIommufdPt.FLAGS.set(flags, 2);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, flags)))
                .isEqualTo(Errno.EINVAL);
        MemorySegment pasidShort = attachStruct(ioasAlloc(iommufd));
        VfioDeviceAttachIommufdPt.FLAGS.set(pasidShort, VfioDeviceAttachIommufdPt.ATTACH_PASID);
        VfioDeviceAttachIommufdPt.ARGSZ.set(pasidShort, 12);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, pasidShort)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> attach(fd, 12345))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> attach(fd, devid))).isEqualTo(Errno.EINVAL);

        MemorySegment shortDetach = VfioDeviceDetachIommufdPt.DEF.allocate(arena);
        VfioDeviceDetachIommufdPt.ARGSZ.set(shortDetach, 7);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_DETACH_IOMMUFD_PT, shortDetach)))
                .isEqualTo(Errno.EINVAL);
        MemorySegment detachFlags = VfioDeviceDetachIommufdPt.DEF.allocate(arena);
        VfioDeviceDetachIommufdPt.FLAGS.set(detachFlags, 2);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_DETACH_IOMMUFD_PT, detachFlags)))
                .isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName("38: closing the bound fd detaches and unbinds")
    void closeReleasesEverything() {
        int iommufd = iommufd();
        int fd = open(edu.cdev());
        int devid = bind(fd, iommufd);
        int ioas = ioasAlloc(iommufd);
        attach(fd, ioas);
        assertThat(errno(() -> destroy(iommufd, devid))).isEqualTo(Errno.EBUSY);
        close(fd);
        destroy(iommufd, ioas); // the automatic HWPT is gone
        assertThat(errno(() -> destroy(iommufd, devid))).isEqualTo(Errno.ENOENT);
        // the device can be bound again, to another iommufd
        int again = open(edu.cdev());
        assertThat(bind(again, iommufd())).isPositive();
    }

    @Test
    @DisplayName(
            "VFIO_DEVICE_FEATURE: the core's argsz and flag checks, its migration features without a migration driver")
    void featureValidation() {
        int fd = open(edu.cdev());
        bind(fd, iommufd());
        MemorySegment f = VfioDeviceFeature.DEF.allocate(arena);
        VfioDeviceFeature.ARGSZ.set(f, 7);
        VfioDeviceFeature.FLAGS.set(f, VfioDeviceFeature.FEATURE_PROBE | VfioDeviceFeature.FEATURE_MIGRATION);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f))).isEqualTo(Errno.EINVAL);
        VfioDeviceFeature.ARGSZ.set(f, (int) VfioDeviceFeature.DEF.size());
        VfioDeviceFeature.FLAGS.set(f, 1 << 19);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f))).isEqualTo(Errno.EINVAL);
        VfioDeviceFeature.FLAGS.set(
                f, VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_MIGRATION);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f))).isEqualTo(Errno.EINVAL);
        // the edu has no migration driver, and nobody has feature 0xffff
        VfioDeviceFeature.FLAGS.set(f, VfioDeviceFeature.FEATURE_PROBE | VfioDeviceFeature.FEATURE_MIGRATION);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f))).isEqualTo(Errno.ENOTTY);
        VfioDeviceFeature.FLAGS.set(f, VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_MIG_PRECOPY_INFOv2);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f))).isEqualTo(Errno.EINVAL);
        VfioDeviceFeature.FLAGS.set(f, VfioDeviceFeature.FEATURE_PROBE | VfioDeviceFeature.FEATURE_GET | 0xffff);
        assertThat(errno(() -> k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, f))).isEqualTo(Errno.ENOTTY);
    }

    private void destroy(int iommufd, int id) {
        MemorySegment s = IommuDestroy.DEF.allocate(arena);
        IommuDestroy.ID.set(s, id);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_DESTROY, s);
    }
}
