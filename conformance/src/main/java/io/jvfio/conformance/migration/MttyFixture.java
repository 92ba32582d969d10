package io.jvfio.conformance.migration;

import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.conformance.Conformance;
import io.jvfio.kernel.Kernel;
import io.jvfio.testkit.Sysfs;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;

/**
 * Two dual-port mtty mdevs (the sample built into the test VM's kernel and the emulated one),
 * created before each test and removed after it, with the migration feature ioctls issued raw.
 */
@Conformance
abstract class MttyFixture {
    static final String TYPE = "/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2";
    static final String SOURCE = "6e1c3a4e-2f0b-4c55-9d1e-0a7c5f3b0001";
    static final String TARGET = "6e1c3a4e-2f0b-4c55-9d1e-0a7c5f3b0002";
    /** Offset of BAR1 (the second port) in the device fd: mtty puts region N at N << 40. */
    static final long BAR1 = 1L << 40;

    Kernel k;
    final Arena arena = Arena.ofShared();
    private final List<Integer> fds = new ArrayList<>();

    @BeforeEach
    void createMdevs(Kernel kernel) {
        k = kernel;
        try {
            k.listDirectory(TYPE);
        } catch (ErrnoException e) {
            Assumptions.abort("no mtty parent: " + e.getMessage());
        }
        for (String uuid : List.of(SOURCE, TARGET)) {
            Sysfs.removeMdevIfPresent(k, uuid);
            Sysfs.write(k, TYPE + "/create", uuid);
        }
    }

    @AfterEach
    void removeMdevs() {
        for (int i = fds.size() - 1; i >= 0; i--) {
            try {
                k.close(fds.get(i));
            } catch (ErrnoException e) {
                // closed by the test itself
            }
        }
        for (String uuid : List.of(SOURCE, TARGET)) {
            Sysfs.removeMdevIfPresent(k, uuid);
        }
        arena.close();
    }

    int track(int fd) {
        fds.add(fd);
        return fd;
    }

    void close(int fd) {
        fds.remove(Integer.valueOf(fd));
        k.close(fd);
    }

    /** The mdev's cdev, bound to a new iommufd (mtty needs no IOAS). */
    int openCdev(String uuid) {
        String dev = "/sys/bus/mdev/devices/" + uuid;
        String cdev = "/dev/vfio/devices/" + k.listDirectory(dev + "/vfio-dev").getFirst();
        int fd = track(k.open(cdev, Linux.O.RDWR));
        MemorySegment bind = VfioDeviceBindIommufd.DEF.allocate(arena);
        VfioDeviceBindIommufd.IOMMUFD.set(bind, track(k.open("/dev/iommu", Linux.O.RDWR)));
        k.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind);
        return fd;
    }

    /** The mdev through its VFIO group and /dev/vfio/vfio (the group path). */
    int openThroughGroup(String uuid) {
        String link = k.readlink("/sys/bus/mdev/devices/" + uuid + "/iommu_group");
        int group = track(k.open("/dev/vfio/" + link.substring(link.lastIndexOf('/') + 1), Linux.O.RDWR));
        MemorySegment container = arena.allocate(ValueLayout.JAVA_INT);
        container.set(ValueLayout.JAVA_INT, 0, track(k.open("/dev/vfio/vfio", Linux.O.RDWR)));
        k.ioctl(group, VfioIoctl.VFIO_GROUP_SET_CONTAINER, container);
        return track((int) k.ioctl(group, VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, arena.allocateFrom(uuid)));
    }

    /** A VFIO_DEVICE_FEATURE argument: the header with {@code flags} and {@code dataSize} bytes of data. */
    MemorySegment feature(int flags, long dataSize) {
        MemorySegment f = arena.allocate(VfioDeviceFeature.DEF.size() + Math.max(dataSize, 8), 8);
        VfioDeviceFeature.ARGSZ.set(f, (int) (VfioDeviceFeature.DEF.size() + dataSize));
        VfioDeviceFeature.FLAGS.set(f, flags);
        return f;
    }

    /** The feature's data, past the header. */
    static MemorySegment data(MemorySegment feature) {
        return feature.asSlice(VfioDeviceFeature.DEF.size());
    }

    long featureIoctl(int fd, MemorySegment feature) {
        return k.ioctl(fd, VfioIoctl.VFIO_DEVICE_FEATURE, feature);
    }

    /** MIG_DEVICE_STATE SET; returns data_fd (-1 without a new session), tracked for closing. */
    int setState(int fd, int state) {
        MemorySegment f = feature(
                VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE,
                VfioDeviceFeatureMigState.DEF.size());
        VfioDeviceFeatureMigState.DEVICE_STATE.set(data(f), state);
        VfioDeviceFeatureMigState.DATA_FD.set(data(f), 0x5a5a);
        featureIoctl(fd, f);
        int dataFd = VfioDeviceFeatureMigState.DATA_FD.get(data(f));
        return dataFd >= 0 ? track(dataFd) : dataFd;
    }

    /** MIG_DEVICE_STATE GET. */
    int getState(int fd) {
        MemorySegment f = feature(
                VfioDeviceFeature.FEATURE_GET | VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE,
                VfioDeviceFeatureMigState.DEF.size());
        featureIoctl(fd, f);
        return VfioDeviceFeatureMigState.DEVICE_STATE.get(data(f));
    }

    /** One byte register write / read of a port (pwrite/pread on the device fd). */
    void outb(int fd, long offset, int value) {
        MemorySegment b = arena.allocate(1);
        b.set(ValueLayout.JAVA_BYTE, 0, (byte) value);
        k.pwrite(fd, b, offset);
    }

    int inb(int fd, long offset) {
        MemorySegment b = arena.allocate(1);
        k.pread(fd, b, offset);
        return b.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
    }

    /** Reads the data fd until it returns 0 (mtty never answers ENOMSG). */
    byte[] readAll(int dataFd) {
        MemorySegment buf = arena.allocate(4096);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n;
        while ((n = k.read(dataFd, buf)) > 0) {
            out.writeBytes(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
        return out.toByteArray();
    }

    /** Writes {@code bytes} to the data fd in pieces of {@code chunk}. */
    void writeAll(int dataFd, byte[] bytes, int chunk) {
        for (int off = 0; off < bytes.length; off += chunk) {
            int n = Math.min(chunk, bytes.length - off);
            MemorySegment buf = arena.allocate(n);
            MemorySegment.copy(MemorySegment.ofArray(bytes), off, buf, 0, n);
            long written = k.write(dataFd, buf);
            if (written != n) {
                throw new AssertionError("short write: " + written + " of " + n);
            }
        }
    }
}
