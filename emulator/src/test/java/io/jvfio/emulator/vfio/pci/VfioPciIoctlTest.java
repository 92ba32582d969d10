package io.jvfio.emulator.vfio.pci;

import static io.jvfio.abi.vfio.VfioConst.*;
import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceInfo;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqInfo;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.abi.vfio.VfioPciHotResetInfo;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.emulator.vfio.VfioInfoCap;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The device fd's ioctls, region accesses and interrupts. */
class VfioPciIoctlTest {
    private final VfioPciTestDevice d = new VfioPciTestDevice();

    private static Errno errno(Executable call) {
        try {
            call.execute();
        } catch (ErrnoException e) {
            return e.errno();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        throw new AssertionError("no error");
    }

    @Test
    void deviceInfo() {
        MemorySegment info = d.arena.allocate(VfioDeviceInfo.DEF.size());
        info.fill((byte) 0x77);
        VfioDeviceInfo.ARGSZ.set(info, (int) VfioDeviceInfo.DEF.size());
        d.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_GET_INFO, info.address());
        assertThat(VfioDeviceInfo.CAP_OFFSET.get(info)).as("no capabilities").isZero();
        assertThat(VfioDeviceInfo.FLAGS.get(info)).isEqualTo(VfioDeviceInfo.FLAGS_PCI | VfioDeviceInfo.FLAGS_RESET);
        assertThat(VfioDeviceInfo.NUM_REGIONS.get(info)).isEqualTo(9);
        assertThat(VfioDeviceInfo.NUM_IRQS.get(info)).isEqualTo(5);
        VfioDeviceInfo.ARGSZ.set(info, 15);
        assertThat(errno(() -> d.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_GET_INFO, info.address())))
                .isEqualTo(Errno.EINVAL);
        VfioPciTestDevice conventional = new VfioPciTestDevice(false, VfioPciOptions.DEFAULTS);
        VfioDeviceInfo.ARGSZ.set(info, (int) VfioDeviceInfo.DEF.size());
        conventional.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_GET_INFO, info.address());
        assertThat(VfioDeviceInfo.FLAGS.get(info)).isEqualTo(VfioDeviceInfo.FLAGS_PCI);
        assertThat(errno(() -> conventional.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_RESET, 0)))
                .isEqualTo(Errno.EINVAL);
    }

    private MemorySegment regionInfo(int index) {
        MemorySegment info = d.arena.allocate(VfioRegionInfo.DEF.size());
        VfioRegionInfo.ARGSZ.set(info, (int) VfioRegionInfo.DEF.size());
        VfioRegionInfo.INDEX.set(info, index);
        d.vdev.getRegionInfoCaps(null, info, new VfioInfoCap());
        return info;
    }

    @Test
    void regionInfo() {
        MemorySegment cfg = regionInfo(VFIO_PCI_CONFIG_REGION_INDEX);
        assertThat(VfioRegionInfo.SIZE.get(cfg)).isEqualTo(4096);
        assertThat(VfioRegionInfo.OFFSET.get(cfg)).isEqualTo(7L << 40);
        assertThat(VfioRegionInfo.FLAGS.get(cfg)).isEqualTo(VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_WRITE);
        MemorySegment ram = regionInfo(3);
        assertThat(VfioRegionInfo.FLAGS.get(ram) & VfioRegionInfo.FLAG_MMAP).isNotZero();
        assertThat(VfioRegionInfo.SIZE.get(ram)).isEqualTo(VfioPciTestDevice.RAM_BAR_SIZE);
        MemorySegment none = regionInfo(1); // upper half of the 64-bit BAR0
        assertThat(VfioRegionInfo.FLAGS.get(none)).isZero();
        assertThat(VfioRegionInfo.SIZE.get(none)).isZero();
        assertThat(VfioRegionInfo.SIZE.get(regionInfo(VFIO_PCI_ROM_REGION_INDEX)))
                .isZero();
        assertThat(errno(() -> regionInfo(VFIO_PCI_VGA_REGION_INDEX))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> regionInfo(9))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void msixBarCapabilityChainGrowsArgszWhenShort() {
        // BAR0 holds the MSI-X table but is served by a device model: no MMAP, no capability.
        assertThat(VfioRegionInfo.FLAGS.get(regionInfo(0)) & VfioRegionInfo.FLAG_CAPS)
                .isZero();
        VfioPciTestDevice ramMsix = new VfioPciTestDevice(true, VfioPciOptions.DEFAULTS);
        assertThat(ramMsix.vdev).isNotNull();
    }

    private MemorySegment irqInfo(VfioPciTestDevice dev, int index) {
        MemorySegment info = d.arena.allocate(VfioIrqInfo.DEF.size());
        VfioIrqInfo.ARGSZ.set(info, (int) VfioIrqInfo.DEF.size());
        VfioIrqInfo.INDEX.set(info, index);
        dev.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_GET_IRQ_INFO, info.address());
        return info;
    }

    @Test
    void irqInfo() {
        MemorySegment intx = irqInfo(d, VFIO_PCI_INTX_IRQ_INDEX);
        assertThat(VfioIrqInfo.FLAGS.get(intx))
                .isEqualTo(VfioIrqInfo.EVENTFD | VfioIrqInfo.MASKABLE | VfioIrqInfo.AUTOMASKED);
        assertThat(VfioIrqInfo.COUNT.get(intx)).isEqualTo(1);
        assertThat(VfioIrqInfo.COUNT.get(irqInfo(d, VFIO_PCI_MSI_IRQ_INDEX))).isEqualTo(4);
        assertThat(VfioIrqInfo.FLAGS.get(irqInfo(d, VFIO_PCI_MSI_IRQ_INDEX)))
                .isEqualTo(VfioIrqInfo.EVENTFD | VfioIrqInfo.NORESIZE);
        assertThat(VfioIrqInfo.COUNT.get(irqInfo(d, VFIO_PCI_MSIX_IRQ_INDEX))).isEqualTo(8);
        assertThat(VfioIrqInfo.COUNT.get(irqInfo(d, VFIO_PCI_ERR_IRQ_INDEX))).isEqualTo(1);
        assertThat(VfioIrqInfo.COUNT.get(irqInfo(d, VFIO_PCI_REQ_IRQ_INDEX))).isEqualTo(1);
        assertThat(errno(() -> irqInfo(d, 5))).isEqualTo(Errno.EINVAL);
        VfioPciTestDevice conventional = new VfioPciTestDevice(false, VfioPciOptions.DEFAULTS);
        assertThat(errno(() -> irqInfo(conventional, VFIO_PCI_ERR_IRQ_INDEX))).isEqualTo(Errno.EINVAL);
        assertThat(VfioIrqInfo.COUNT.get(irqInfo(conventional, VFIO_PCI_MSIX_IRQ_INDEX)))
                .isZero();
    }

    // ---- SET_IRQS ------------------------------------------------------------------------------

    private void setIrqs(int argsz, int flags, int index, int start, int count, int... data) {
        MemorySegment s = d.arena.allocate(20 + 4L * Math.max(data.length, 1));
        VfioIrqSet.ARGSZ.set(s, argsz);
        VfioIrqSet.FLAGS.set(s, flags);
        VfioIrqSet.INDEX.set(s, index);
        VfioIrqSet.START.set(s, start);
        VfioIrqSet.COUNT.set(s, count);
        boolean bools = (flags & VfioIrqSet.DATA_BOOL) != 0;
        for (int i = 0; i < data.length; i++) {
            if (bools) {
                s.set(ValueLayout.JAVA_BYTE, 20 + i, (byte) data[i]);
            } else {
                s.set(ValueLayout.JAVA_INT_UNALIGNED, 20 + 4L * i, data[i]);
            }
        }
        d.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_SET_IRQS, s.address());
    }

    private static final int TRIGGER_FD = VfioIrqSet.ACTION_TRIGGER | VfioIrqSet.DATA_EVENTFD;
    private static final int TRIGGER_NONE = VfioIrqSet.ACTION_TRIGGER | VfioIrqSet.DATA_NONE;

    @Test
    void setIrqsValidationOrder() {
        int fd = d.eventfd();
        // argsz first, even with a bad index
        assertThat(errno(() -> setIrqs(19, TRIGGER_FD, 9, 0, 1, fd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, TRIGGER_FD, 5, 0, 1, fd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, TRIGGER_FD | 0x40, 0, 0, 1, fd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, TRIGGER_FD, 0, -1, 1, fd))).isEqualTo(Errno.EINVAL);
        // start + count beyond the index's vectors
        assertThat(errno(() -> setIrqs(24, TRIGGER_FD, VFIO_PCI_MSI_IRQ_INDEX, 4, 1, fd)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(40, TRIGGER_FD, VFIO_PCI_MSI_IRQ_INDEX, 0, 5, fd)))
                .isEqualTo(Errno.EINVAL);
        // two data types, or none
        assertThat(errno(() -> setIrqs(24, VfioIrqSet.ACTION_TRIGGER | 3, 0, 0, 1, fd)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, VfioIrqSet.ACTION_TRIGGER, 0, 0, 1, fd)))
                .isEqualTo(Errno.EINVAL);
        // payload shorter than count fds
        assertThat(errno(() -> setIrqs(23, TRIGGER_FD, 0, 0, 1, fd))).isEqualTo(Errno.EINVAL);
        // then the action: masking MSI is not supported; nor is ERR with no action bits
        assertThat(errno(() -> setIrqs(20, VfioIrqSet.ACTION_MASK | VfioIrqSet.DATA_NONE, 1, 0, 1)))
                .isEqualTo(Errno.ENOTTY);
        assertThat(errno(() -> setIrqs(20, VfioIrqSet.DATA_NONE, 3, 0, 1))).isEqualTo(Errno.ENOTTY);
        // loopback on a disabled index
        assertThat(errno(() -> setIrqs(20, TRIGGER_NONE, 1, 0, 1))).isEqualTo(Errno.EINVAL);
        // a non-eventfd fd, a closed fd
        int[] pipe = d.kernel.pipe(0);
        assertThat(errno(() -> setIrqs(24, TRIGGER_FD, 0, 0, 1, pipe[0]))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, TRIGGER_FD, 0, 0, 1, 999))).isEqualTo(Errno.EBADF);
        assertThat(d.vdev.intrs().irqType()).isEqualTo(VFIO_PCI_NUM_IRQS);
    }

    @Test
    void msiAndMsixAreExclusive() {
        int fd = d.eventfd();
        setIrqs(24, TRIGGER_FD, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, fd);
        assertThat(errno(() -> setIrqs(24, TRIGGER_FD, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, fd)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, TRIGGER_FD, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, fd)))
                .isEqualTo(Errno.EINVAL);
        setIrqs(20, TRIGGER_NONE, VFIO_PCI_MSI_IRQ_INDEX, 0, 0);
        setIrqs(24, TRIGGER_FD, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, fd);
        assertThat(d.pdev.msixEnabled()).isTrue();
        assertThat(d.pdev.msiEnabled()).isFalse();
    }

    @Test
    void intxIsAutomaskedUntilUnmask() {
        int fd = d.eventfd();
        setIrqs(24, TRIGGER_FD, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, fd);
        d.pdev.setIntx(true);
        assertThat(d.count(fd)).isEqualTo(1);
        d.pdev.setIntx(false);
        d.pdev.setIntx(true);
        assertThat(d.count(fd)).as("masked after the first interrupt").isEqualTo(1);
        setIrqs(20, VfioIrqSet.ACTION_UNMASK | VfioIrqSet.DATA_NONE, VFIO_PCI_INTX_IRQ_INDEX, 0, 1);
        assertThat(d.count(fd)).as("line still asserted at unmask").isEqualTo(2);
        d.pdev.setIntx(false);
        setIrqs(20, VfioIrqSet.ACTION_UNMASK | VfioIrqSet.DATA_NONE, VFIO_PCI_INTX_IRQ_INDEX, 0, 1);
        d.pdev.setIntx(true);
        assertThat(d.count(fd)).isEqualTo(3);
        // loopback trigger, then disable
        setIrqs(20, TRIGGER_NONE, VFIO_PCI_INTX_IRQ_INDEX, 0, 1);
        assertThat(d.count(fd)).isEqualTo(4);
        setIrqs(20, TRIGGER_NONE, VFIO_PCI_INTX_IRQ_INDEX, 0, 0);
        assertThat(d.vdev.intrs().irqType()).isEqualTo(VFIO_PCI_NUM_IRQS);
    }

    @Test
    void virtualIntxDisableMasks() {
        int fd = d.eventfd();
        setIrqs(24, TRIGGER_FD, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, fd);
        d.enable(COMMAND_INTX_DISABLE);
        d.pdev.setIntx(true);
        assertThat(d.count(fd)).isZero();
        d.cfgWrite(COMMAND, 2, d.cfgRead(COMMAND, 2) & ~COMMAND_INTX_DISABLE);
        assertThat(d.count(fd)).isEqualTo(1);
    }

    @Test
    void msiVectorsSignalTheirEventfds() {
        int a = d.eventfd();
        int b = d.eventfd();
        setIrqs(28, TRIGGER_FD, VFIO_PCI_MSI_IRQ_INDEX, 0, 2, a, b);
        assertThat(d.pdev.msiEnabled()).isTrue();
        // The user now sees two vectors granted.
        assertThat((d.cfgRead(0x50 + MSI_FLAGS, 2) & MSI_FLAGS_QMASK) >> 1).isEqualTo(1);
        d.cfgWrite(COMMAND, 2, COMMAND_MASTER); // MSIs are DMA writes
        d.pdev.notifyMsi(1);
        assertThat(d.count(a)).isZero();
        assertThat(d.count(b)).isEqualTo(1);
        d.pdev.notifyMsi(0);
        assertThat(d.count(a)).isEqualTo(1);
        // a negative fd clears vector 0
        setIrqs(24, TRIGGER_FD, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, -1);
        d.pdev.notifyMsi(0);
        assertThat(d.count(a)).isEqualTo(1);
        setIrqs(20, TRIGGER_NONE, VFIO_PCI_MSI_IRQ_INDEX, 0, 0);
        assertThat(d.pdev.msiEnabled()).isFalse();
    }

    @Test
    void msixVectorsSignalTheirEventfds() {
        int a = d.eventfd();
        setIrqs(24, TRIGGER_FD, VFIO_PCI_MSIX_IRQ_INDEX, 5, 1, a);
        d.cfgWrite(COMMAND, 2, COMMAND_MASTER); // MSI-X messages are DMA writes
        d.pdev.notifyMsix(5);
        assertThat(d.count(a)).isEqualTo(1);
        d.pdev.notifyMsix(4);
        assertThat(d.count(a)).isEqualTo(1);
        setIrqs(21, VfioIrqSet.ACTION_TRIGGER | VfioIrqSet.DATA_BOOL, VFIO_PCI_MSIX_IRQ_INDEX, 5, 1, 1);
        assertThat(d.count(a)).isEqualTo(2);
    }

    @Test
    void errAndReqTriggers() {
        int fd = d.eventfd();
        assertThat(errno(() -> setIrqs(20, TRIGGER_NONE, VFIO_PCI_REQ_IRQ_INDEX, 0, 1)))
                .isEqualTo(Errno.EINVAL);
        setIrqs(24, TRIGGER_FD, VFIO_PCI_REQ_IRQ_INDEX, 0, 1, fd);
        setIrqs(20, TRIGGER_NONE, VFIO_PCI_REQ_IRQ_INDEX, 0, 1);
        assertThat(d.count(fd)).isEqualTo(1);
        d.vdev.request(null, 1); // the core asks the user to release the device
        assertThat(d.count(fd)).isEqualTo(2);
        setIrqs(24, TRIGGER_FD, VFIO_PCI_ERR_IRQ_INDEX, 0, 1, fd);
        setIrqs(20, TRIGGER_NONE, VFIO_PCI_ERR_IRQ_INDEX, 0, 0);
        assertThat(errno(() -> setIrqs(20, TRIGGER_NONE, VFIO_PCI_ERR_IRQ_INDEX, 0, 1)))
                .isEqualTo(Errno.EINVAL);
    }

    // ---- regions -------------------------------------------------------------------------------

    @Test
    void barAccessNeedsMemoryDecodeAndHidesTheMsixTable() {
        MemorySegment buf = d.arena.allocate(4);
        buf.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0xabcd);
        d.cfgWrite(COMMAND, 2, 0);
        assertThat(errno(() -> d.vdev.write(null, buf, 0x10))).isEqualTo(Errno.EIO);
        d.enable(COMMAND_MEMORY);
        d.vdev.write(null, buf, 0x10);
        assertThat(d.mmio).containsEntry(0x10L, 0xabcdL);
        d.vdev.read(null, buf, 0x2000);
        assertThat(buf.get(ValueLayout.JAVA_INT_UNALIGNED, 0)).isEqualTo(-1);
        d.vdev.write(null, buf, 0x2000 + 12); // would unmask vector 0: dropped
        assertThat(d.pdev.bar(0).orElseThrow().read(0x2000 + 12, 4)).isEqualTo(1);
        assertThat(errno(() -> d.vdev.read(null, buf, 0x4000))).isEqualTo(Errno.EINVAL);
        // I/O BARs are not gated by memory decode
        d.cfgWrite(COMMAND, 2, 0);
        buf.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0xabcd);
        d.vdev.write(null, buf, 2L << 40);
        assertThat(d.mmio).containsEntry(0L, 0xabcdL);
    }

    @Test
    void mmapOfARamBarIsTheBarsMemory() {
        MemorySegment m =
                d.vdev.mmap(null, 0x1000, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.SHARED, (3L << 40) + 0x1000);
        m.set(ValueLayout.JAVA_INT, 0, 0x5a5a);
        assertThat(d.ram.get(ValueLayout.JAVA_INT, 0x1000)).isEqualTo(0x5a5a);
        // The user's mapping is theirs: unmapping it leaves the device's view of the BAR intact.
        NativeKernel.instance().munmap(m);
        d.ram.set(ValueLayout.JAVA_INT, 0x1004, 0x7777);
        assertThat(d.ram.get(ValueLayout.JAVA_INT, 0x1000)).isEqualTo(0x5a5a);
        MemorySegment again = d.vdev.mmap(null, 0x1000, Linux.Prot.READ, Linux.Map.SHARED, (3L << 40) + 0x1000);
        assertThat(again.get(ValueLayout.JAVA_INT, 4)).isEqualTo(0x7777);
        NativeKernel.instance().munmap(again);
        assertThat(errno(() -> d.vdev.mmap(null, 0x1000, Linux.Prot.READ, Linux.Map.PRIVATE, 3L << 40)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> d.vdev.mmap(null, 0x3000, Linux.Prot.READ, Linux.Map.SHARED, 3L << 40)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> d.vdev.mmap(null, 0x1000, Linux.Prot.READ, Linux.Map.SHARED, 7L << 40)))
                .isEqualTo(Errno.EINVAL);
    }

    @Test
    void resetKeepsTheUsersCommandAndInterrupts() {
        int fd = d.eventfd();
        d.enable(COMMAND_MEMORY | COMMAND_MASTER);
        setIrqs(24, TRIGGER_FD, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, fd);
        int before = d.resets.get();
        d.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_RESET, 0);
        assertThat(d.resets.get()).isEqualTo(before + 1);
        assertThat(d.pdev.config().read(COMMAND, 2) & COMMAND_MASTER).isNotZero();
        d.pdev.notifyMsix(0);
        assertThat(d.count(fd)).isEqualTo(1);
    }

    @Test
    void hotResetInfoOnTheRootBusIsEnodev() {
        MemorySegment info = d.arena.allocate(64);
        VfioPciHotResetInfo.ARGSZ.set(info, 64);
        assertThat(errno(() -> d.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info.address())))
                .isEqualTo(Errno.ENODEV);
        VfioPciHotResetInfo.ARGSZ.set(info, 11);
        assertThat(errno(() -> d.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info.address())))
                .isEqualTo(Errno.EINVAL);
    }

    // ---- features ------------------------------------------------------------------------------

    /** The driver's part of VFIO_DEVICE_FEATURE (the core checked the header); {@code argsz} includes it. */
    private void feature(int argsz, int flags, int payload) {
        MemorySegment f = d.arena.allocate(8);
        f.set(ValueLayout.JAVA_INT_UNALIGNED, 0, payload);
        d.vdev.deviceFeature(null, flags, f.address(), argsz - 8);
    }

    @Test
    void featureRules() {
        int get = VfioDeviceFeature.FEATURE_GET;
        int set = VfioDeviceFeature.FEATURE_SET;
        int probe = VfioDeviceFeature.FEATURE_PROBE;
        int entry = VfioDeviceFeature.FEATURE_LOW_POWER_ENTRY;
        // Built as with CONFIG_PCI_P2PDMA: dma-buf export is GET-only (VfioPciDmaBufTest has the rest).
        feature(8, probe | get | VfioDeviceFeature.FEATURE_DMA_BUF, 0);
        assertThat(errno(() -> feature(8, probe | set | VfioDeviceFeature.FEATURE_DMA_BUF, 0)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> feature(8, probe | set | VfioDeviceFeature.FEATURE_PCI_VF_TOKEN, 0)))
                .isEqualTo(Errno.ENOTTY);
        assertThat(errno(() -> feature(8, probe | get | entry, 0))).isEqualTo(Errno.EINVAL);
        feature(8, probe | set | entry, 0);
        assertThat(errno(() -> feature(8, entry, 0))).isEqualTo(Errno.EINVAL);
        feature(8, set | entry, 0);
        assertThat(errno(() -> feature(8, set | entry, 0)))
                .as("already in low power")
                .isEqualTo(Errno.EINVAL);
        feature(8, set | VfioDeviceFeature.FEATURE_LOW_POWER_EXIT, 0);
        int wakeup = VfioDeviceFeature.FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;
        assertThat(errno(() -> feature(12, set | wakeup, d.eventfd()))).isEqualTo(Errno.EINVAL);
        int fd = d.eventfd();
        feature(16, set | wakeup, fd);
        assertThat(d.count(fd)).isZero();
        d.cfgRead(0, 4); // any access resumes the device and signals the wakeup eventfd
        assertThat(d.count(fd)).isEqualTo(1);
        feature(8, set | entry, 0);
    }
}
