package io.jvfio.conformance.vfiopci;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.conformance.TestDevices;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * edu's INTx through vfio-pci: automasking with the function's own DisINTx bit (PCI 2.3 masking,
 * vfio-pci's default), seen in the real Command register through sysfs while the user's view stays
 * clear; UNMASK, and unmasking by eventfd (irqfd), which re-sends an interrupt still pending.
 */
class IntxTest extends VfioPciFixture {
    private static final int COMMAND = 0x04;
    private static final int COMMAND_MEMORY = 0x2;
    private static final int COMMAND_INTX_DISABLE = 0x400;
    private static final long IRQ_STATUS = 0x24;
    private static final long IRQ_RAISE = 0x60;
    private static final long IRQ_ACK = 0x64;
    private static final int INTX = VfioConst.VFIO_PCI_INTX_IRQ_INDEX;

    private int trigger;

    @BeforeEach
    void openEdu(Kernel kernel) {
        open(kernel, TestDevices.Kind.EDU);
        trigger = trigger(INTX);
        enableCommand(COMMAND_MEMORY);
    }

    private boolean hwIntxDisabled() {
        return (hwConfig(COMMAND, 2) & COMMAND_INTX_DISABLE) != 0;
    }

    private void setIrqs(int flags, int index) {
        MemorySegment irq = arena.allocate(20);
        VfioIrqSet.ARGSZ.set(irq, 20);
        VfioIrqSet.FLAGS.set(irq, flags);
        VfioIrqSet.INDEX.set(irq, index);
        VfioIrqSet.COUNT.set(irq, 1);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_SET_IRQS, irq);
    }

    private void raiseAndAwait() {
        pwrite(IRQ_RAISE, 4, 1);
        assertThat(awaitEventfd(trigger)).isEqualTo(1);
    }

    @Test
    void automaskSetsDisIntxUntilUnmask() throws InterruptedException {
        assertThat(hwIntxDisabled()).isFalse();
        raiseAndAwait();
        assertThat(hwIntxDisabled()).isTrue();
        assertThat(pread(cfg + COMMAND, 2) & COMMAND_INTX_DISABLE).isZero();
        // Still pending: UNMASK leaves it masked and sends the interrupt again.
        setIrqs(VfioIrqSet.DATA_NONE | VfioIrqSet.ACTION_UNMASK, INTX);
        assertThat(awaitEventfd(trigger)).isEqualTo(1);
        assertThat(hwIntxDisabled()).isTrue();
        pwrite(IRQ_ACK, 4, 1);
        assertThat(pread(IRQ_STATUS, 4)).isZero();
        setIrqs(VfioIrqSet.DATA_NONE | VfioIrqSet.ACTION_UNMASK, INTX);
        assertThat(hwIntxDisabled()).isFalse();
        raiseAndAwait();
        pwrite(IRQ_ACK, 4, 1);
    }

    @Test
    void unmaskEventfdUnmasksOnEverySignal() throws InterruptedException {
        int unmask = k.eventfd(0, Linux.Efd.NONBLOCK);
        try {
            setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, unmask);
            for (int round = 0; round < 2; round++) {
                raiseAndAwait();
                assertThat(hwIntxDisabled()).isTrue();
                pwrite(IRQ_ACK, 4, 1);
                signal(unmask);
                await(() -> !hwIntxDisabled());
                assertThat(hwIntxDisabled()).isFalse();
            }
            // The kernel consumes the unmask signals.
            assertThat(errno(() -> k.read(unmask, arena.allocate(8)))).isEqualTo(Errno.EAGAIN);
        } finally {
            k.close(unmask);
        }
    }

    @Test
    void unmaskEventfdResendsAPendingInterrupt() {
        int unmask = k.eventfd(0, Linux.Efd.NONBLOCK);
        try {
            setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, unmask);
            raiseAndAwait();
            signal(unmask);
            assertThat(awaitEventfd(trigger)).isEqualTo(1);
            assertThat(hwIntxDisabled()).isTrue();
            pwrite(IRQ_ACK, 4, 1);
        } finally {
            k.close(unmask);
        }
    }

    @Test
    void oneUnmaskEventfdAtATime() {
        int a = k.eventfd(0, 0);
        try {
            int b = k.eventfd(0, 0);
            setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, a);
            assertThat(errno(() -> setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, b)))
                    .isEqualTo(Errno.EBUSY);
            setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, -1);
            setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, b);
            // Closing the eventfd frees the slot (the virqfd goes away on EPOLLHUP).
            k.close(b);
            setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, a);
            setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, -1);
            assertThat(errno(() -> setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, 1_000_000)))
                    .isEqualTo(Errno.EBADF);
            assertThat(errno(() -> setIrqEventfd(VfioIrqSet.ACTION_UNMASK, INTX, iommufd)))
                    .isEqualTo(Errno.EINVAL);
            // Masking by eventfd is not implemented by Linux.
            assertThat(errno(() -> setIrqEventfd(VfioIrqSet.ACTION_MASK, INTX, a)))
                    .isEqualTo(Errno.ENOTTY);
        } finally {
            k.close(a);
        }
    }
}
