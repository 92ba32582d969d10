package io.jvfio.emulator.vfio.mdev;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIommuType1DmaMap;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.vfio.TestMachine;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.VfioDeviceOps;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An mdev as a VFIO device: registered with an emulated IOMMU when its driver binds, bound to an
 * iommufd through an access object (vfio_iommufd_emulated_*), which its driver pins and copies
 * through, and whose unmap notifications reach the driver's dma_unmap.
 */
class MdevVfioTest {
    private static final String UUID_A = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";
    private static final String PARENT_DIR = "/sys/devices/virtual/test/parent0";
    private static final long IOVA = 0x100000;

    private final TestMachine machine = TestMachine.on(EmulatedKernel.create());
    private final EmulatedKernel k = machine.kernel;
    private final Arena arena = Arena.ofAuto();
    private final Mdev mdevBus = new Mdev(k);
    /** dma_unmap calls: iova, length. */
    private final List<long[]> unmaps = new ArrayList<>();
    /** What the driver pinned and still holds (iova, length), unpinned by dma_unmap. */
    private final List<long[]> pins = new ArrayList<>();

    private final VfioDeviceOps ops = new VfioDeviceOps() {
        @Override
        public String name() {
            return "test-mdev";
        }

        @Override
        public void dmaUnmap(VfioDevice device, long iova, long length) {
            unmaps.add(new long[] {iova, length});
            pins.removeIf(p -> {
                boolean inside = Long.compareUnsigned(p[0] - iova, length) < 0;
                if (inside) {
                    device.iommufdAccess().unpinPages(p[0], p[1]);
                }
                return inside;
            });
        }
    };

    private final MdevDriver driver = new TestMdevDriver() {
        @Override
        public void probe(MdevDevice m) {
            VfioDevice v = VfioDevice.emulated(k, m.uuid().toString(), PARENT_DIR + "/" + m.uuid(), ops);
            k.vfio().registerEmulatedIommuDev(v);
            m.setDriverData(v);
        }

        @Override
        public void remove(MdevDevice m) {
            k.vfio().unregisterGroupDev((VfioDevice) m.driverData());
        }
    };

    private final MdevParent parent =
            new MdevParent("parent0", PARENT_DIR, driver, List.of(new MdevType("1", "Test")), 2);

    private boolean exists(String path) {
        try {
            k.close(k.open(path, Linux.O.RDONLY));
            return true;
        } catch (ErrnoException e) {
            assertThat(e.errno()).isEqualTo(Errno.ENOENT);
            return false;
        }
    }

    @Test
    void anMdevBindsThroughAnAccessObjectAndItsDriverIsToldOfUnmaps() {
        mdevBus.registerParent(parent);
        machine.write(PARENT_DIR + "/mdev_supported_types/test-1/create", UUID_A);
        VfioDevice vdev = (VfioDevice) mdevBus.devices().getFirst().driverData();
        assertThat(vdev.isEmulated()).isTrue();
        String node = "/dev/vfio/devices/vfio" + vdev.index();
        assertThat(exists(node)).isTrue();
        assertThat(exists(PARENT_DIR + "/" + UUID_A + "/vfio-dev/vfio" + vdev.index() + "/dev"))
                .isTrue();

        TestMachine.Iommufd iommufd = machine.openIommufd();
        int ioas = iommufd.ioasAlloc();
        int ioas2 = iommufd.ioasAlloc();
        MemorySegment buf = iommufd.buffer(2 * Linux.PAGE_SIZE);
        iommufd.mapFixed(ioas, buf.address(), buf.byteSize(), IOVA);

        int dfd = machine.open(node);
        int devid = machine.bindIommufd(dfd, iommufd.fd);
        assertThat(vdev.iommufdAccess().id()).isEqualTo(devid);
        // The ID names the access object, which the binding holds.
        assertThat(errno(() -> iommufd.destroy(devid))).isEqualTo(Errno.EBUSY);

        // Only an IOAS: the access object itself is no page table; PASIDs have no emulated op.
        assertThat(errno(() -> machine.attach(dfd, devid))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> machine.attach(dfd, ioas, VfioDeviceAttachIommufdPt.ATTACH_PASID)))
                .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(machine.attach(dfd, ioas)).isEqualTo(ioas);

        // The driver copies and pins through the access.
        MemorySegment data = arena.allocate(64);
        for (int i = 0; i < 64; i++) {
            data.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
        }
        vdev.iommufdAccess().rw(IOVA + Linux.PAGE_SIZE + 8, data, true);
        assertThat(buf.asSlice(Linux.PAGE_SIZE + 8, 64).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
        vdev.iommufdAccess().pinPages(IOVA, Linux.PAGE_SIZE, true);
        pins.add(new long[] {IOVA, Linux.PAGE_SIZE});

        // An unmap over the pin reaches dma_unmap, which unpins, so the unmap goes through.
        assertThat(iommufd.unmap(ioas, IOVA, 2 * Linux.PAGE_SIZE)).isEqualTo(2 * Linux.PAGE_SIZE);
        assertThat(unmaps).hasSize(1);
        assertThat(unmaps.getFirst()).containsExactly(IOVA, 2 * Linux.PAGE_SIZE);
        assertThat(pins).isEmpty();

        // A second attach replaces: the old IOAS's pins are dropped (dma_unmap of everything).
        machine.attach(dfd, ioas2);
        assertThat(unmaps).hasSize(2);
        assertThat(unmaps.get(1)).containsExactly(0L, -1L);
        iommufd.mapFixed(ioas, buf.address(), buf.byteSize(), IOVA); // into the old IOAS: out of the device's reach now
        assertThat(errno(() -> vdev.iommufdAccess().rw(IOVA, data, false))).isEqualTo(Errno.ENOENT);

        MemorySegment detach = VfioDeviceDetachIommufdPt.DEF.allocate(arena);
        VfioDeviceDetachIommufdPt.FLAGS.set(detach, VfioDeviceDetachIommufdPt.DETACH_PASID);
        assertThat(errno(() -> k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_DETACH_IOMMUFD_PT, detach)))
                .isEqualTo(Errno.EOPNOTSUPP);
        VfioDeviceDetachIommufdPt.FLAGS.set(detach, 0);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_DETACH_IOMMUFD_PT, detach);
        machine.attach(dfd, ioas);

        // Closing unbinds: the access object is destroyed and the IOAS free again.
        k.close(dfd);
        assertThat(vdev.iommufdAccess()).isNull();
        assertThat(errno(() -> iommufd.destroy(devid))).isEqualTo(Errno.ENOENT);
        iommufd.destroy(ioas);

        machine.write(PARENT_DIR + "/" + UUID_A + "/remove", "1");
        assertThat(exists(node)).isFalse();
        assertThat(mdevBus.devices()).isEmpty();
        iommufd.close();
    }

    @Test
    void removingAnOpenMdevWaitsForTheUserToCloseIt() throws Exception {
        mdevBus.registerParent(parent);
        machine.write(PARENT_DIR + "/mdev_supported_types/test-1/create", UUID_A);
        VfioDevice vdev = (VfioDevice) mdevBus.devices().getFirst().driverData();
        String node = "/dev/vfio/devices/vfio" + vdev.index();
        String groupNode = "/dev/vfio/" + vdev.index(); // the emulated group is the first fake group
        int dfd = k.open(node, Linux.O.RDWR);
        assertThat(exists(groupNode)).isTrue();

        CompletableFuture<Void> remove =
                CompletableFuture.runAsync(() -> machine.write(PARENT_DIR + "/" + UUID_A + "/remove", "1"));
        // The nodes go at once, so nobody opens the device again; the removal itself waits.
        for (int i = 0; i < 500 && exists(node); i++) {
            Thread.sleep(2);
        }
        assertThat(exists(node)).isFalse();
        assertThat(remove).isNotDone();
        assertThat(errno(() -> machine.write(PARENT_DIR + "/" + UUID_A + "/remove", "1")))
                .isEqualTo(Errno.ENOENT);

        k.close(dfd);
        remove.get(5, TimeUnit.SECONDS);
        assertThat(mdevBus.devices()).isEmpty();
        assertThat(exists(groupNode)).isFalse();
    }

    @Test
    void theGroupPathBindsAnMdevToTheContainersIoas() {
        mdevBus.registerParent(parent);
        machine.write(PARENT_DIR + "/mdev_supported_types/test-1/create", UUID_A);
        VfioDevice vdev = (VfioDevice) mdevBus.devices().getFirst().driverData();
        int group = k.open("/dev/vfio/0", Linux.O.RDWR);
        int container = k.open("/dev/vfio/vfio", Linux.O.RDWR);
        MemorySegment fd = arena.allocate(ValueLayout.JAVA_INT);
        fd.set(ValueLayout.JAVA_INT, 0, container);
        k.ioctl(group, VfioIoctl.VFIO_GROUP_SET_CONTAINER, fd);
        k.ioctl(container, VfioIoctl.VFIO_SET_IOMMU, VfioConst.VFIO_TYPE1v2_IOMMU);
        MemorySegment buf = k.mmap(
                Linux.PAGE_SIZE, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        MemorySegment map = VfioIommuType1DmaMap.DEF.allocate(arena);
        VfioIommuType1DmaMap.FLAGS.set(map, VfioIommuType1DmaMap.FLAG_READ | VfioIommuType1DmaMap.FLAG_WRITE);
        VfioIommuType1DmaMap.VADDR.set(map, buf.address());
        VfioIommuType1DmaMap.IOVA.set(map, IOVA);
        VfioIommuType1DmaMap.SIZE.set(map, Linux.PAGE_SIZE);
        k.ioctl(container, VfioIoctl.VFIO_IOMMU_MAP_DMA, map);

        int dfd = (int) k.ioctl(group, VfioIoctl.VFIO_GROUP_GET_DEVICE_FD, arena.allocateFrom(UUID_A));
        // The first open bound the access and attached it to the compat IOAS the map went into.
        MemorySegment data = arena.allocate(8);
        data.set(ValueLayout.JAVA_LONG, 0, 0x1122334455667788L);
        vdev.iommufdAccess().rw(IOVA + 16, data, true);
        assertThat(buf.get(ValueLayout.JAVA_LONG, 16)).isEqualTo(0x1122334455667788L);

        k.close(dfd);
        assertThat(vdev.iommufdAccess()).isNull();
        k.close(group);
        k.close(container);
        k.munmap(buf);
    }
}
