package io.jvfio.conformance.vfio;

import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.conformance.Conformance;
import io.jvfio.conformance.TestDevices;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the VFIO conformance tests share: "the edu device" bound to vfio-pci on either backend, fds
 * closed after each test, and the VFIO ioctls issued raw with their ABI structs.
 *
 * <p>On the real kernel (the test VM) the edu is already bound to vfio-pci; it is found through
 * {@code JVFIO_EDU_BDF}/{@code JVFIO_EDU_CDEV}/{@code JVFIO_EDU_GROUP_DEV} or the inventory
 * /run/jvfio/devices. On the emulated backend the test binds the edu at 0000:00:04.0 itself, as a
 * user does: driver_override, then drivers_probe.
 */
@Conformance
abstract class VfioFixture {

    Kernel k;
    TestDevices.Located edu;
    final Arena arena = Arena.ofShared();
    private final List<Integer> fds = new ArrayList<>();

    @BeforeEach
    void findEdu(Kernel kernel) {
        k = kernel;
        edu = TestDevices.locate(k, TestDevices.Kind.EDU);
    }

    @AfterEach
    void closeAll() {
        for (int i = fds.size() - 1; i >= 0; i--) {
            try {
                k.close(fds.get(i));
            } catch (ErrnoException e) {
                // closed by the test itself
            }
        }
        arena.close();
    }

    /** Opens {@code path} read-write; closed after the test. */
    int open(String path) {
        int fd = k.open(path, Linux.O.RDWR);
        fds.add(fd);
        return fd;
    }

    void close(int fd) {
        fds.remove(Integer.valueOf(fd));
        k.close(fd);
    }

    int iommufd() {
        return open("/dev/iommu");
    }

    int ioasAlloc(int iommufd) {
        MemorySegment s = IommuIoasAlloc.DEF.allocate(arena);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, s);
        return IommuIoasAlloc.OUT_IOAS_ID.get(s);
    }

    /** A full-size bind struct for {@code iommufd}. */
    MemorySegment bindStruct(int iommufd) {
        MemorySegment s = VfioDeviceBindIommufd.DEF.allocate(arena);
        VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd);
        return s;
    }

    /** VFIO_DEVICE_BIND_IOMMUFD; returns out_devid. */
    int bind(int deviceFd, int iommufd) {
        MemorySegment s = bindStruct(iommufd);
        k.ioctl(deviceFd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, s);
        return VfioDeviceBindIommufd.OUT_DEVID.get(s);
    }

    MemorySegment attachStruct(int ptId) {
        MemorySegment s = VfioDeviceAttachIommufdPt.DEF.allocate(arena);
        VfioDeviceAttachIommufdPt.PT_ID.set(s, ptId);
        return s;
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT; returns pt_id as the kernel wrote it back. */
    int attach(int deviceFd, int ptId) {
        MemorySegment s = attachStruct(ptId);
        k.ioctl(deviceFd, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s);
        return VfioDeviceAttachIommufdPt.PT_ID.get(s);
    }

    void detach(int deviceFd) {
        k.ioctl(deviceFd, VfioIoctl.VFIO_DEVICE_DETACH_IOMMUFD_PT, VfioDeviceDetachIommufdPt.DEF.allocate(arena));
    }

    /** A NUL-terminated copy of {@code s} in native memory. */
    MemorySegment cString(String s) {
        return arena.allocateFrom(s);
    }

    /** An int in native memory (the argument of SET_CONTAINER). */
    MemorySegment intArg(int value) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_INT);
        s.set(ValueLayout.JAVA_INT, 0, value);
        return s;
    }
}
