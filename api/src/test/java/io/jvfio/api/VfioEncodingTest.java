package io.jvfio.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioInfoCapHeader;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqInfo;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.abi.vfio.VfioRegionInfoCapSparseMmap;
import io.jvfio.abi.vfio.VfioRegionSparseMmapArea;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the VFIO API puts into each ioctl, how it reads answers, and the order it closes things. */
class VfioEncodingTest {
    private static final long CONFIG_OFFSET = 7L << 40;

    private final FakeKernel kernel = new FakeKernel();
    private final Jvfio jvfio = Jvfio.open(kernel);

    @AfterEach
    void close() {
        jvfio.close();
    }

    private FakeKernel.Call last(long request) {
        return kernel.calls().stream()
                .filter(c -> c.request() == request)
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no ioctl " + Long.toHexString(request)));
    }

    /** A vfio-pci-like device: config region 7 at index << 40, BAR0 with a sparse cap, 4 MSI-X vectors. */
    private long device(long request, MemorySegment arg) {
        if (request == VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD) {
            VfioDeviceBindIommufd.OUT_DEVID.set(arg, 5);
        } else if (request == VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
            VfioDeviceAttachIommufdPt.PT_ID.set(arg, 9);
        } else if (request == VfioIoctl.VFIO_DEVICE_GET_IRQ_INFO) {
            VfioIrqInfo.FLAGS.set(arg, VfioIrqInfo.EVENTFD | VfioIrqInfo.NORESIZE);
            VfioIrqInfo.COUNT.set(arg, 4);
        } else if (request == VfioIoctl.VFIO_DEVICE_GET_REGION_INFO) {
            regionInfo(arg);
        } else if (request == IommufdIoctl.IOMMU_IOAS_ALLOC) {
            IommuIoasAlloc.OUT_IOAS_ID.set(arg, 3);
        } else if (request == VfioIoctl.VFIO_GROUP_GET_DEVICE_FD) {
            return 10010; // a fake fd, so closing it stays inside the fake
        }
        return 0;
    }

    private static void regionInfo(MemorySegment arg) {
        int index = VfioRegionInfo.INDEX.get(arg);
        VfioRegionInfo.OFFSET.set(arg, (long) index << 40);
        if (index == VfioConst.VFIO_PCI_CONFIG_REGION_INDEX) {
            VfioRegionInfo.FLAGS.set(arg, VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_WRITE);
            VfioRegionInfo.SIZE.set(arg, 256);
            return;
        }
        // BAR0: 16 KiB, mmap-able except a hole, described by a sparse cap with two areas (48 bytes).
        long needed = VfioRegionInfo.DEF.size() + 48;
        VfioRegionInfo.FLAGS.set(arg, VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_MMAP | VfioRegionInfo.FLAG_CAPS);
        VfioRegionInfo.SIZE.set(arg, 0x4000);
        if (arg.byteSize() < needed) {
            VfioRegionInfo.ARGSZ.set(arg, (int) needed);
            return;
        }
        VfioRegionInfo.CAP_OFFSET.set(arg, 32);
        MemorySegment cap = arg.asSlice(32);
        VfioInfoCapHeader.ID.set(cap, VfioRegionInfo.CAP_SPARSE_MMAP);
        VfioInfoCapHeader.VERSION.set(cap, 1);
        VfioRegionInfoCapSparseMmap.NR_AREAS.set(cap, 2);
        MemorySegment a0 = VfioRegionInfoCapSparseMmap.AREAS.element(cap, 0);
        VfioRegionSparseMmapArea.SIZE.set(a0, 0x1000);
        MemorySegment a1 = VfioRegionInfoCapSparseMmap.AREAS.element(cap, 1);
        VfioRegionSparseMmapArea.OFFSET.set(a1, 0x2000);
        VfioRegionSparseMmapArea.SIZE.set(a1, 0x2000);
    }

    @Test
    void bindAndAttachPassIdsBothWays() {
        kernel.onIoctl(this::device);
        Iommufd iommufd = jvfio.openIommufd();
        VfioDevice dev = jvfio.openDevice("/dev/vfio/devices/vfio0");

        assertThatThrownBy(dev::devId).isInstanceOf(IllegalStateException.class);
        assertThat(dev.bind(iommufd)).isEqualTo(5);
        assertThat(dev.devId()).isEqualTo(5);
        MemorySegment bind = last(VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD).segment();
        assertThat(VfioDeviceBindIommufd.ARGSZ.get(bind)).isEqualTo(24);
        assertThat(VfioDeviceBindIommufd.IOMMUFD.get(bind)).isEqualTo(iommufd.fd());
        assertThat(VfioDeviceBindIommufd.FLAGS.get(bind)).isZero();
        assertThat(last(VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD).fd()).isEqualTo(10001);
    }

    @Test
    void attachReturnsTheHwptTheKernelChose() {
        kernel.onIoctl(this::device);
        VfioDevice dev = jvfio.openDevice("/dev/vfio/devices/vfio0");
        Ioas ioas = jvfio.openIommufd().allocIoas();

        assertThat(dev.attach(ioas)).isEqualTo(9);
        assertThat(VfioDeviceAttachIommufdPt.PT_ID.get(
                        last(VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT).segment()))
                .isEqualTo(3);
    }

    @Test
    void regionInfoAsksAgainWithTheArgszTheKernelWants() {
        kernel.onIoctl(this::device);
        VfioDevice dev = jvfio.openDevice("/dev/vfio/devices/vfio0");

        RegionInfo info = dev.region(0).info();

        assertThat(kernel.calls().stream()
                        .filter(c -> c.request() == VfioIoctl.VFIO_DEVICE_GET_REGION_INFO)
                        .map(c -> VfioRegionInfo.ARGSZ.get(c.segment())))
                .containsExactly(32, 80);
        assertThat(info.mmapAreas()).containsExactly(new SparseArea(0, 0x1000), new SparseArea(0x2000, 0x2000));
        assertThatThrownBy(() -> dev.region(0).mmap())
                .as("a sparse region cannot be mapped whole")
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void configSpaceAccessesAreLittleEndianAtTheRegionOffset() {
        kernel.onIoctl(this::device);
        VfioDevice dev = jvfio.openDevice("/dev/vfio/devices/vfio0");
        PciConfig config = dev.pciConfig();
        config.write32(0, 0x11e81234);
        config.write16(PciConfig.COMMAND, PciConfig.COMMAND_MEMORY);

        config.enableBusMaster();

        assertThat(kernel.fileByte(CONFIG_OFFSET)).isEqualTo((byte) 0x34);
        assertThat(config.vendorId()).isEqualTo(0x1234);
        assertThat(config.deviceId()).isEqualTo(0x11e8);
        assertThat(config.command()).isEqualTo(PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_BUS_MASTER);
        assertThat(kernel.events()).contains("pwrite 2 at " + Long.toHexString(CONFIG_OFFSET + 4));
        assertThatThrownBy(() -> config.read32(254)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> dev.region(7).read(0, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bulkAccessesMoveHeapAndNativeMemory() {
        kernel.onIoctl(this::device);
        Region config = jvfio.openDevice("/dev/vfio/devices/vfio0").region(7);
        byte[] data = {1, 2, 3, 4, 5};

        config.write(0x40, MemorySegment.ofArray(data));
        byte[] back = new byte[5];
        config.read(0x40, MemorySegment.ofArray(back));

        assertThat(back).containsExactly(data);
        assertThat(config.read(0x40, 8)).isEqualTo(0x0504030201L);
    }

    @Test
    void enablingMsixHandsTheKernelOneEventfdPerVector() {
        kernel.onIoctl(this::device);
        VfioDevice dev = jvfio.openDevice("/dev/vfio/devices/vfio0");
        Irq msix = dev.irq(VfioConst.VFIO_PCI_MSIX_IRQ_INDEX);
        assertThat(msix.info().count()).isEqualTo(4);

        msix.enable(2);

        MemorySegment set = last(VfioIoctl.VFIO_DEVICE_SET_IRQS).segment();
        assertThat(VfioIrqSet.ARGSZ.get(set)).isEqualTo(20 + 2 * 4);
        assertThat(VfioIrqSet.FLAGS.get(set)).isEqualTo(VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER);
        assertThat(VfioIrqSet.INDEX.get(set)).isEqualTo(VfioConst.VFIO_PCI_MSIX_IRQ_INDEX);
        assertThat(VfioIrqSet.START.get(set)).isZero();
        assertThat(VfioIrqSet.COUNT.get(set)).isEqualTo(2);
        // The kernel signals vector 1 by writing its eventfd: so do we, and the API sees it.
        int vector1 = set.get(ValueLayout.JAVA_INT_UNALIGNED, 24);
        kernel.write(vector1, Arena.ofAuto().allocateFrom(ValueLayout.JAVA_LONG, 1));
        assertThat(msix.await(1, Duration.ofSeconds(5))).isEqualTo(1);
        assertThat(msix.await(0, Duration.ZERO)).isZero();
        assertThat(dev.irq(VfioConst.VFIO_PCI_MSIX_IRQ_INDEX)).isSameAs(msix);
        assertThatThrownBy(() -> msix.enable(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void maskUnmaskTriggerAndDisableUseDataNone() {
        kernel.onIoctl(this::device);
        Irq intx = jvfio.openDevice("/dev/vfio/devices/vfio0").irq(VfioConst.VFIO_PCI_INTX_IRQ_INDEX);
        intx.enable(1);

        intx.unmask(0);
        MemorySegment unmask = last(VfioIoctl.VFIO_DEVICE_SET_IRQS).segment();
        intx.disable();
        MemorySegment disable = last(VfioIoctl.VFIO_DEVICE_SET_IRQS).segment();

        assertThat(VfioIrqSet.FLAGS.get(unmask)).isEqualTo(VfioIrqSet.DATA_NONE | VfioIrqSet.ACTION_UNMASK);
        assertThat(VfioIrqSet.COUNT.get(unmask)).isEqualTo(1);
        assertThat(VfioIrqSet.FLAGS.get(disable)).isEqualTo(VfioIrqSet.DATA_NONE | VfioIrqSet.ACTION_TRIGGER);
        assertThat(VfioIrqSet.COUNT.get(disable)).isZero();
        assertThat(intx.enabledVectors()).isZero();
        assertThatThrownBy(() -> intx.trigger(0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aFailedEnableLeavesNoEventfdsBehind() {
        kernel.onIoctl((request, arg) -> {
            if (request == VfioIoctl.VFIO_DEVICE_SET_IRQS) {
                throw new ErrnoException(Errno.EINVAL, "ioctl(VFIO_DEVICE_SET_IRQS)");
            }
            return device(request, arg);
        });
        Irq msi = jvfio.openDevice("/dev/vfio/devices/vfio0").irq(VfioConst.VFIO_PCI_MSI_IRQ_INDEX);

        assertThatThrownBy(() -> msi.enable(1)).isInstanceOfSatisfying(VfioException.class, e -> assertThat(e.errno())
                .isEqualTo(Errno.EINVAL));

        int eventfd = last(VfioIoctl.VFIO_DEVICE_SET_IRQS).segment().get(ValueLayout.JAVA_INT_UNALIGNED, 20);
        assertThatThrownBy(() -> kernel.read(eventfd, Arena.ofAuto().allocate(8)))
                .as("the eventfd was closed")
                .isInstanceOfSatisfying(
                        ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        assertThat(msi.enabledVectors()).isZero();
    }

    @Test
    void closingADeviceDisablesItsIrqsBeforeClosingTheFd() {
        kernel.onIoctl(this::device);
        VfioDevice dev = jvfio.openDevice("/dev/vfio/devices/vfio0");
        dev.irq(VfioConst.VFIO_PCI_MSIX_IRQ_INDEX).enable(4);
        int before = kernel.calls().size();

        dev.close();

        assertThat(kernel.calls().subList(before, kernel.calls().size()))
                .singleElement()
                .satisfies(c -> assertThat(VfioIrqSet.COUNT.get(c.segment())).isZero());
        assertThat(kernel.events()).endsWith("close 10000");
        assertThatThrownBy(dev::info).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void jvfioClosesWhatIsStillOpenNewestFirst() {
        kernel.onIoctl(this::device);
        jvfio.openIommufd();
        jvfio.openDevice("/dev/vfio/devices/vfio0").close();
        VfioGroup group = jvfio.openGroup(7);
        group.openDevice("0000:00:03.0");
        jvfio.openContainer();

        jvfio.close();

        assertThat(kernel.events())
                .containsExactly(
                        "open /dev/iommu = 10000",
                        "open /dev/vfio/devices/vfio0 = 10001",
                        "close 10001",
                        "open /dev/vfio/7 = 10002",
                        "open /dev/vfio/vfio = 10003",
                        "close 10003",
                        "close 10010",
                        "close 10002",
                        "close 10000");
    }

    @Test
    void pciAddressesResolveThroughSysfs() {
        kernel.directory("/sys/bus/pci/devices/0000:00:03.0/vfio-dev", List.of("vfio4"));
        kernel.link("/sys/bus/pci/devices/0000:00:03.0/iommu_group", "../../../kernel/iommu_groups/12");

        jvfio.openPciDevice("00:03.0");
        jvfio.openGroupOf("0000:00:03.0");

        assertThat(kernel.events())
                .containsExactly("open /dev/vfio/devices/vfio4 = 10000", "open /dev/vfio/12 = 10001");
        assertThatThrownBy(() -> jvfio.openPciDevice("0000:00:04.0"))
                .isInstanceOfSatisfying(
                        JvfioException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT))
                .hasMessageContaining("vfio-pci");
        assertThatThrownBy(() -> jvfio.openPciDevice("not-a-bdf")).isInstanceOf(IllegalArgumentException.class);
    }
}
