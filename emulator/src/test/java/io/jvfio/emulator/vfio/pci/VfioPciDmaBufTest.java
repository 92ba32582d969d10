package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.PciRegs.*;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasMapFile;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaBuf;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioRegionDmaRange;
import io.jvfio.emulator.dmabuf.DmaBuf;
import io.jvfio.emulator.iommu.Group;
import io.jvfio.emulator.iommu.Iommu;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.IommuDriver;
import io.jvfio.emulator.iommu.IommuFaultException;
import io.jvfio.emulator.iommu.ReservedRegion;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.iommufd.IommufdDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * VFIO_DEVICE_FEATURE_DMA_BUF (vfio_pci_dmabuf.c): validation in the kernel's order, import by
 * iommufd, peer-to-peer DMA into a RAM BAR and a model-served BAR, and the revokes vfio-pci does.
 * Emulator-only: the test VM's kernel lacks CONFIG_PCI_P2PDMA, so there the feature is ENOTTY.
 */
class VfioPciDmaBufTest {
    private static final long PAGE = Linux.PAGE_SIZE;
    private static final long IOVA = 1L << 24;
    private static final Iommu DMAR = Iommu.create("vfio-dmabuf-test", List.of(ReservedRegion.X86_MSI));
    private static int nextGroup = 700;
    /** Where VfioPciTestDevice puts its power-management capability. */
    private static final int PM_CAP = 0x68;

    private final VfioPciTestDevice t = new VfioPciTestDevice();
    private final int iommufd = t.kernel.open("/dev/iommu", Linux.O.RDWR);

    @AfterEach
    void close() {
        t.kernel.close(iommufd);
    }

    /** FEATURE_DMA_BUF with {@code ranges} as {offset, length} pairs; returns the ioctl's value. */
    private long feature(int flags, int region, int reqFlags, long argsz, long... ranges) {
        int nr = ranges.length / 2;
        MemorySegment req =
                t.arena.allocate(VfioDeviceFeatureDmaBuf.DEF.size() + nr * VfioRegionDmaRange.DEF.size(), 8);
        VfioDeviceFeatureDmaBuf.REGION_INDEX.set(req, region);
        VfioDeviceFeatureDmaBuf.OPEN_FLAGS.set(req, Linux.O.CLOEXEC);
        VfioDeviceFeatureDmaBuf.FLAGS.set(req, reqFlags);
        VfioDeviceFeatureDmaBuf.NR_RANGES.set(req, nr);
        for (int i = 0; i < nr; i++) {
            MemorySegment r = req.asSlice(
                    VfioDeviceFeatureDmaBuf.DEF.size() + i * VfioRegionDmaRange.DEF.size(),
                    VfioRegionDmaRange.DEF.size());
            VfioRegionDmaRange.OFFSET.set(r, ranges[2 * i]);
            VfioRegionDmaRange.LENGTH.set(r, ranges[2 * i + 1]);
        }
        return t.vdev.deviceFeature(null, flags | VfioDeviceFeature.FEATURE_DMA_BUF, req.address(), argsz);
    }

    private int export(int region, long... ranges) {
        return (int) feature(VfioDeviceFeature.FEATURE_GET, region, 0, 16 + 8L * ranges.length, ranges);
    }

    private int ioasAlloc() {
        MemorySegment s = IommuIoasAlloc.DEF.allocate(t.arena);
        t.kernel.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, s);
        return IommuIoasAlloc.OUT_IOAS_ID.get(s);
    }

    private void mapFile(int ioas, int dfd, long start, long length, long iova) {
        MemorySegment s = IommuIoasMapFile.DEF.allocate(t.arena);
        IommuIoasMapFile.FLAGS.set(
                s, IommuIoasMap.FLAG_FIXED_IOVA | IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE);
        IommuIoasMapFile.IOAS_ID.set(s, ioas);
        IommuIoasMapFile.FD.set(s, dfd);
        IommuIoasMapFile.START.set(s, start);
        IommuIoasMapFile.LENGTH.set(s, length);
        IommuIoasMapFile.IOVA.set(s, iova);
        t.kernel.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP_FILE, s);
    }

    /** A device behind an emulated VT-d, attached to {@code ioas}, to DMA with. */
    private IommuDevice peer(int ioas) {
        IommuDevice dev =
                new IommuDevice("peer", IommuDriver.INTEL_VTD, DMAR, new Group(nextGroup), nextGroup++, true, 0);
        IommufdCtx ctx = IommufdCtx.fromFd(t.kernel, iommufd);
        try {
            IommufdDevice.bind(ctx, dev).attach(IommufdDevice.NO_PASID, ioas);
        } finally {
            ctx.put();
        }
        return dev;
    }

    private MemorySegment word(long value) {
        MemorySegment s = t.arena.allocate(8);
        s.set(ValueLayout.JAVA_LONG, 0, value);
        return s;
    }

    @Test
    @DisplayName("the feature's checks, in the kernel's order")
    void validation() {
        int get = VfioDeviceFeature.FEATURE_GET;
        assertThat(errno(() -> feature(VfioDeviceFeature.FEATURE_SET, 0, 0, 32, 0, PAGE)))
                .isEqualTo(Errno.EINVAL);
        assertThat(feature(VfioDeviceFeature.FEATURE_PROBE | get, 0, 0, 0)).isZero();
        assertThat(errno(() -> feature(0, 0, 0, 32, 0, PAGE))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(get, 0, 0, 15, 0, PAGE))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(get, 0, 0, 16))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(get, 0, 1, 32, 0, PAGE))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(get, 6, 0, 32, 0, PAGE))).isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> feature(get, 1, 0, 32, 0, PAGE))).isEqualTo(Errno.ENODEV);
        assertThat(errno(() -> feature(get, 0, 0, 32, 0, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(get, 0, 0, 32, 16, PAGE))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(get, 0, 0, 32, 0, PAGE + 16))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(get, 0, 0, 48, 0, -PAGE, 0, 2 * PAGE))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(get, 2, 0, 32, 0, PAGE))).as("I/O BAR").isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(get, 0, 0, 32, -PAGE, PAGE))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> feature(get, 0, 0, 32, 0x4000, PAGE)))
                .as("past the BAR")
                .isEqualTo(Errno.EINVAL);
        int dfd = export(0, 0, PAGE, 2 * PAGE, PAGE);
        DmaBuf d = DmaBuf.get(t.kernel, dfd);
        assertThat(d.size()).isEqualTo(2 * PAGE);
        d.put();
        t.kernel.close(dfd);
    }

    @Test
    @DisplayName("iommufd imports one range; a device's DMA reaches the RAM BAR and the model's registers")
    void peerToPeerDma() {
        t.enable(COMMAND_MEMORY);
        int ioas = ioasAlloc();
        IommuDevice peer = peer(ioas);
        int ram = export(3, PAGE, PAGE);
        int mmio = export(0, PAGE, PAGE);
        int two = export(0, 0, PAGE, 2 * PAGE, PAGE);
        mapFile(ioas, ram, 0, PAGE, IOVA);
        mapFile(ioas, mmio, 0, PAGE, 2 * IOVA);
        assertThat(errno(() -> mapFile(ioas, two, 0, PAGE, 3 * IOVA))).isEqualTo(Errno.EOPNOTSUPP);
        peer.dma().dmaWrite(IOVA + 16, word(0x1122334455667788L));
        assertThat(t.ram.get(ValueLayout.JAVA_LONG, PAGE + 16)).isEqualTo(0x1122334455667788L);
        peer.dma().dmaWrite(2 * IOVA + 8, word(0xcafef00dL));
        assertThat(t.mmio.get(PAGE + 8)).isEqualTo(0xcafef00dL);
        t.mmio.put(PAGE + 12, 0x12345678L);
        MemorySegment out = t.arena.allocate(8);
        peer.dma().dmaRead(2 * IOVA + 8, out);
        assertThat(out.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x12345678_cafef00dL);
        // Not a buffer of the selftest's exporter.
        MemorySegment c = IommuTestCmd.DEF.allocate(t.arena);
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, IommufdTestIoctl.IOMMU_TEST_OP_DMABUF_REVOKE);
        IommuTestCmd.DmabufRevoke.DMABUF_FD.set(c, ram);
        assertThat(errno(() -> t.kernel.ioctl(iommufd, IommufdTestIoctl.IOMMU_TEST_CMD, c)))
                .isEqualTo(Errno.EOPNOTSUPP);
        t.kernel.close(ram);
        t.kernel.close(mmio);
        t.kernel.close(two);
    }

    /** An export of BAR 3's first page imported at IOVA into a fresh IOAS, and a peer that wrote it. */
    private record Import(int ioas, IommuDevice peer, int dfd) {}

    private Import importFirstPage() {
        t.enable(COMMAND_MEMORY);
        int ioas = ioasAlloc();
        IommuDevice peer = peer(ioas);
        int dfd = export(3, 0, PAGE);
        mapFile(ioas, dfd, 0, PAGE, IOVA);
        peer.dma().dmaWrite(IOVA, word(1));
        return new Import(ioas, peer, dfd);
    }

    /** The peer's DMA to {@code iova} faults and a new import at {@code newIova} is ENODEV. */
    private void assertRevoked(Import im, long iova, long newIova) {
        assertThatThrownBy(() -> im.peer().dma().dmaWrite(iova, word(-1))).isInstanceOf(IommuFaultException.class);
        assertThat(errno(() -> mapFile(im.ioas(), im.dfd(), 0, PAGE, newIova))).isEqualTo(Errno.ENODEV);
    }

    /** A new import at {@code iova} works: the peer's write there lands in the BAR. */
    private void assertImportsAgain(Import im, long iova, long value) {
        mapFile(im.ioas(), im.dfd(), 0, PAGE, iova);
        im.peer().dma().dmaWrite(iova, word(value));
        assertThat(t.ram.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(value);
    }

    @Test
    @DisplayName("memory decode off, reset and close revoke; decode back on lets new imports in, old ones stay revoked")
    void revokes() {
        Import im = importFirstPage();
        t.cfgWrite(COMMAND, 2, t.cfgRead(COMMAND, 2) & ~COMMAND_MEMORY);
        assertRevoked(im, IOVA, 2 * IOVA);
        t.enable(COMMAND_MEMORY);
        assertThatThrownBy(() -> im.peer().dma().dmaWrite(IOVA, word(2))).isInstanceOf(IommuFaultException.class);
        assertImportsAgain(im, 2 * IOVA, 3);
        t.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_RESET, 0);
        assertThatThrownBy(() -> im.peer().dma().dmaWrite(2 * IOVA, word(4))).isInstanceOf(IommuFaultException.class);
        mapFile(im.ioas(), im.dfd(), 0, PAGE, 3 * IOVA);
        t.vdev.close();
        assertRevoked(im, 3 * IOVA, 4 * IOVA);
        t.kernel.close(im.dfd());
    }

    @Test
    @DisplayName("D3hot through PMCSR and runtime low-power entry revoke; back in D0 / after exit new imports work")
    void powerStatesRevoke() {
        Import im = importFirstPage();
        int pmcsr = t.cfgRead(PM_CAP + PM_CTRL, 2);
        t.cfgWrite(PM_CAP + PM_CTRL, 2, pmcsr | 3);
        assertRevoked(im, IOVA, 2 * IOVA);
        t.cfgWrite(PM_CAP + PM_CTRL, 2, pmcsr & ~PM_CTRL_STATE_MASK);
        assertImportsAgain(im, 2 * IOVA, 3);

        t.vdev.deviceFeature(null, VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_LOW_POWER_ENTRY, 0, 0);
        assertRevoked(im, 2 * IOVA, 3 * IOVA);
        t.vdev.deviceFeature(null, VfioDeviceFeature.FEATURE_SET | VfioDeviceFeature.FEATURE_LOW_POWER_EXIT, 0, 0);
        assertImportsAgain(im, 3 * IOVA, 5);
        t.kernel.close(im.dfd());
    }

    @Test
    @DisplayName("a buffer exported while decode is off starts revoked")
    void exportedRevoked() {
        t.cfgWrite(COMMAND, 2, t.cfgRead(COMMAND, 2) & ~COMMAND_MEMORY);
        int ioas = ioasAlloc();
        int dfd = export(3, 0, PAGE);
        assertThat(errno(() -> mapFile(ioas, dfd, 0, PAGE, IOVA))).isEqualTo(Errno.ENODEV);
        t.kernel.close(dfd);
    }
}
