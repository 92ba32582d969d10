package io.jvfio.emulator.vfio.pci;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioPciDependentDevice;
import io.jvfio.abi.vfio.VfioPciHotReset;
import io.jvfio.abi.vfio.VfioPciHotResetInfo;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.vfio.TestMachine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hot reset info and hot reset, cdev (zero-length array) and group (group fds) forms. */
class VfioPciHotResetTest {
    private static final String ROOT = "0000:00:04.0";
    private static final String BELOW_PORT = "0000:01:00.0";
    private static final String BELOW_BRIDGE_1 = "0000:02:01.0";
    private static final String BELOW_BRIDGE_2 = "0000:02:02.0";

    private final AtomicInteger belowPortResets = new AtomicInteger();
    private final Arena arena = Arena.ofShared();
    private final TestMachine m;
    private final EmulatedKernel k;

    VfioPciHotResetTest() {
        PciTopology t = PciTopology.build(List.of(
                PciNode.endpoint(4, 0, fn(new AtomicInteger())),
                PciNode.rootPort(0x1c, true, PciNode.endpoint(0, 0, fn(belowPortResets))),
                PciNode.pciBridge(
                        0x1e,
                        PciNode.endpoint(1, 0, fn(new AtomicInteger())),
                        PciNode.endpoint(2, 0, fn(new AtomicInteger())))));
        m = TestMachine.withTopology(EmulatorConfig.defaults(), t);
        k = m.kernel;
    }

    private static PciFunction fn(AtomicInteger resets) {
        return PciFunction.builder(0x1234, 0x11e8)
                .intx()
                .onReset(resets::incrementAndGet)
                .build();
    }

    @AfterEach
    void close() {
        arena.close();
    }

    /** Opens the cdev and binds it to {@code iommufd}; returns {fd, devid}. */
    private int[] openBound(String bdf, int iommufd) {
        int fd = m.open(m.cdev(bdf));
        return new int[] {fd, m.bindIommufd(fd, iommufd)};
    }

    private MemorySegment info(int fd, int entries) {
        long size = VfioPciHotResetInfo.DEF.size() + entries * VfioPciDependentDevice.DEF.size();
        MemorySegment info = arena.allocate(size);
        VfioPciHotResetInfo.ARGSZ.set(info, (int) size);
        k.ioctl(fd, VfioIoctl.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
        return info;
    }

    private MemorySegment entry(MemorySegment info, int i) {
        long e = VfioPciDependentDevice.DEF.size();
        return info.asSlice(VfioPciHotResetInfo.DEF.size() + i * e, e);
    }

    private void hotReset(int fd, int... groupFds) {
        MemorySegment r = arena.allocate(VfioPciHotReset.DEF.size() + 4L * groupFds.length);
        VfioPciHotReset.ARGSZ.set(r, (int) r.byteSize());
        VfioPciHotReset.COUNT.set(r, groupFds.length);
        for (int i = 0; i < groupFds.length; i++) {
            r.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, VfioPciHotReset.DEF.size() + 4L * i, groupFds[i]);
        }
        k.ioctl(fd, VfioIoctl.VFIO_DEVICE_PCI_HOT_RESET, r);
    }

    @Test
    void rootBusDevicesCannotBeHotReset() {
        m.bindToVfio(ROOT);
        int iommufd = k.open("/dev/iommu", Linux.O.RDWR);
        int fd = openBound(ROOT, iommufd)[0];
        assertThat(errno(() -> info(fd, 4))).isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> hotReset(fd))).isEqualTo(Errno.ENODEV);
    }

    @Test
    void cdevFormReportsDevidsAndResetsWithAnEmptyArray() {
        m.bindToVfio(BELOW_PORT);
        int iommufd = k.open("/dev/iommu", Linux.O.RDWR);
        int[] dev = openBound(BELOW_PORT, iommufd);
        MemorySegment info = info(dev[0], 1);
        assertThat(VfioPciHotResetInfo.COUNT.get(info)).isEqualTo(1);
        assertThat(VfioPciHotResetInfo.FLAGS.get(info))
                .isEqualTo(VfioPciHotResetInfo.FLAG_DEV_ID | VfioPciHotResetInfo.FLAG_DEV_ID_OWNED);
        assertThat(VfioPciDependentDevice.DEVID.get(entry(info, 0))).isEqualTo(dev[1]);
        assertThat(VfioPciDependentDevice.BUS.get(entry(info, 0))).isEqualTo(1);
        assertThat(errno(() -> info(dev[0], 0))).isEqualTo(Errno.ENOSPC);

        int before = belowPortResets.get();
        assertThat(errno(() -> hotReset(dev[0], iommufd)))
                .as("group fds on a cdev")
                .isEqualTo(Errno.EINVAL);
        hotReset(dev[0]);
        assertThat(belowPortResets.get()).isEqualTo(before + 1);
    }

    @Test
    void unboundFunctionInTheScopeIsNotOwned() {
        m.bindToVfio(BELOW_BRIDGE_1);
        int iommufd = k.open("/dev/iommu", Linux.O.RDWR);
        int[] dev = openBound(BELOW_BRIDGE_1, iommufd);
        MemorySegment info = info(dev[0], 4);
        assertThat(VfioPciHotResetInfo.COUNT.get(info)).isEqualTo(2);
        assertThat(VfioPciHotResetInfo.FLAGS.get(info)).isEqualTo(VfioPciHotResetInfo.FLAG_DEV_ID);
        assertThat(VfioPciDependentDevice.DEVID.get(entry(info, 1))).isEqualTo(VfioPciDependentDevice.DEVID_NOT_OWNED);
        assertThat(errno(() -> hotReset(dev[0]))).isEqualTo(Errno.EINVAL);
        // Both bound, one opened: the other is owned through the shared IOMMU group.
        m.bindToVfio(BELOW_BRIDGE_2);
        MemorySegment again = info(dev[0], 4);
        assertThat(VfioPciDependentDevice.DEVID.get(entry(again, 1))).isEqualTo(VfioPciDependentDevice.DEVID_OWNED);
        hotReset(dev[0]);
    }
}
