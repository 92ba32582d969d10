package io.jvfio.conformance.vfiopci;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqInfo;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.conformance.TestDevices;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** edu's config space as vfio-pci virtualises it, and SET_IRQS validation order. */
class ConfigAndIrqsTest extends VfioPciFixture {
    private static final int BAR0 = 0x10;

    @BeforeEach
    void openEdu(Kernel kernel) {
        open(kernel, TestDevices.Kind.EDU);
    }

    @Test
    void barSizingAndReadOnlyIdentity() {
        pwrite(cfg + BAR0, 4, 0xffffffffL);
        assertThat(pread(cfg + BAR0, 4)).isEqualTo(0xfff00000L); // 1 MiB, 32-bit, non-prefetchable
        pwrite(cfg + BAR0 + 4, 4, 0xffffffffL);
        assertThat(pread(cfg + BAR0 + 4, 4)).as("BAR1 unimplemented").isZero();
        pwrite(cfg, 4, 0);
        assertThat(pread(cfg, 4)).isEqualTo(0x11e81234L);
        assertThat(pread(cfg + 0x3d, 1)).as("INTA").isEqualTo(1);
    }

    @Test
    void capabilityChainShowsMsi() {
        assertThat(pread(cfg + 6, 2) & 0x10).isEqualTo(0x10);
        int pos = (int) pread(cfg + 0x34, 1);
        assertThat(pos).isEqualTo(0x40);
        assertThat(pread(cfg + pos, 1)).isEqualTo(0x05);
        assertThat(pread(cfg + pos + 1, 1)).isZero();
        // MSI enable is not the user's to set through config space.
        pwrite(cfg + pos + 2, 2, pread(cfg + pos + 2, 2) | 1);
        assertThat(pread(cfg + pos + 2, 2) & 1).isZero();
    }

    private MemorySegment irqInfo(int index) {
        MemorySegment info = arena.allocate(VfioIrqInfo.DEF.size());
        VfioIrqInfo.ARGSZ.set(info, (int) VfioIrqInfo.DEF.size());
        VfioIrqInfo.INDEX.set(info, index);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_GET_IRQ_INFO, info);
        return info;
    }

    @Test
    void irqInfoOfAConventionalDevice() {
        assertThat(VfioIrqInfo.COUNT.get(irqInfo(VfioConst.VFIO_PCI_INTX_IRQ_INDEX)))
                .isEqualTo(1);
        assertThat(VfioIrqInfo.COUNT.get(irqInfo(VfioConst.VFIO_PCI_MSI_IRQ_INDEX)))
                .isEqualTo(1);
        assertThat(VfioIrqInfo.COUNT.get(irqInfo(VfioConst.VFIO_PCI_MSIX_IRQ_INDEX)))
                .isZero();
        assertThat(errno(() -> irqInfo(VfioConst.VFIO_PCI_ERR_IRQ_INDEX))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> irqInfo(5))).isEqualTo(Errno.EINVAL);
    }

    private void setIrqs(int argsz, int flags, int index, int start, int count, int fd) {
        MemorySegment s = arena.allocate(24);
        VfioIrqSet.ARGSZ.set(s, argsz);
        VfioIrqSet.FLAGS.set(s, flags);
        VfioIrqSet.INDEX.set(s, index);
        VfioIrqSet.START.set(s, start);
        VfioIrqSet.COUNT.set(s, count);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, 20, fd);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_SET_IRQS, s);
    }

    @Test
    void setIrqsValidationOrder() {
        int efd = k.eventfd(0, 0);
        int trigger = VfioIrqSet.ACTION_TRIGGER | VfioIrqSet.DATA_EVENTFD;
        int msi = VfioConst.VFIO_PCI_MSI_IRQ_INDEX;
        assertThat(errno(() -> setIrqs(19, trigger, 9, 0, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, trigger | 0x40, msi, 0, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, trigger, msi, 1, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, trigger, VfioConst.VFIO_PCI_MSIX_IRQ_INDEX, 0, 1, efd)))
                .as("no MSI-X vectors: every call fails")
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(23, trigger, msi, 0, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> setIrqs(24, VfioIrqSet.ACTION_MASK | VfioIrqSet.DATA_NONE, msi, 0, 1, efd)))
                .isEqualTo(Errno.ENOTTY);
        assertThat(errno(() -> setIrqs(24, VfioIrqSet.ACTION_TRIGGER | VfioIrqSet.DATA_NONE, msi, 0, 1, efd)))
                .as("loopback on a disabled index")
                .isEqualTo(Errno.EINVAL);
        setIrqs(24, trigger, msi, 0, 1, efd);
        assertThat(errno(() -> setIrqs(24, trigger, VfioConst.VFIO_PCI_INTX_IRQ_INDEX, 0, 1, efd)))
                .as("INTx while MSI is enabled")
                .isEqualTo(Errno.EINVAL);
        setIrqs(24, VfioIrqSet.ACTION_TRIGGER | VfioIrqSet.DATA_NONE, msi, 0, 1, efd);
        MemorySegment c = arena.allocate(8);
        k.read(efd, c);
        assertThat(c.get(ValueLayout.JAVA_LONG, 0))
                .as("loopback signalled the eventfd")
                .isEqualTo(1);
        k.close(efd);
    }
}
