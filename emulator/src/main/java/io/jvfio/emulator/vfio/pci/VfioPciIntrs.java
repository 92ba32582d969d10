package io.jvfio.emulator.vfio.pci;

import static io.jvfio.abi.vfio.VfioConst.*;
import static io.jvfio.emulator.pci.PciRegs.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.emulator.EventFdFile;
import io.jvfio.emulator.pci.MsiMessage;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.vfio.Virqfd;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * Interrupts of a vfio-pci device (vfio_pci_intrs.c): INTx with automasking, MSI and MSI-X vectors
 * and the ERR/REQ triggers, each delivered by signalling the eventfd the user set. vfio-pci programs
 * the function's real MSI/MSI-X registers with its own address and data (the vector number), as the
 * host does, and maps the messages the function sends back to vectors.
 *
 * <p>INTx is masked as the kernel does: with the function's own DisINTx bit when the device uses
 * PCI 2.3 masking ({@code pci_2_3}), else by disabling the (exclusive) line at the interrupt
 * controller, which then delivers nothing until re-enabled and re-delivers a line still high.
 *
 * <p>Guarded by the device's {@code igate}: every method runs with this object's monitor held.
 */
final class VfioPciIntrs {
    /** The message address vfio-pci programs (x86's interrupt window); the data is the vector. */
    static final long HOST_MSI_ADDRESS = 0xfee00000L;

    private final VfioPciCoreDevice vdev;
    private final PciFunction pdev;
    private int irqType = VFIO_PCI_NUM_IRQS;
    private int msiQmax;
    private EventFdFile[] triggers = new EventFdFile[0];
    private boolean intxMasked;
    private boolean virqDisabled;
    /** Without PCI 2.3 masking: the line is disabled at the interrupt controller (disable_irq). */
    private boolean lineDisabled;

    private final AtomicReference<Virqfd> unmaskFd = new AtomicReference<>();
    private EventFdFile errTrigger;
    private EventFdFile reqTrigger;

    VfioPciIntrs(VfioPciCoreDevice vdev) {
        this.vdev = vdev;
        this.pdev = vdev.pdev();
    }

    synchronized int irqType() {
        return irqType;
    }

    synchronized int msiQmax() {
        return msiQmax;
    }

    /** vfio_pci_get_irq_count. */
    int irqCount(int index) {
        return switch (index) {
            case VFIO_PCI_INTX_IRQ_INDEX -> vdev.config().vconfig(INTERRUPT_PIN, 1) != 0 ? 1 : 0;
            case VFIO_PCI_MSI_IRQ_INDEX ->
                vdev.msiCap() == 0
                        ? 0
                        : 1 << ((pdev.config().read(vdev.msiCap() + MSI_FLAGS, 2) & MSI_FLAGS_QMASK) >> 1);
            case VFIO_PCI_MSIX_IRQ_INDEX ->
                vdev.msixCap() == 0 ? 0 : (pdev.config().read(vdev.msixCap() + MSIX_FLAGS, 2) & MSIX_FLAGS_QSIZE) + 1;
            case VFIO_PCI_ERR_IRQ_INDEX -> pdev.pcieType().isPresent() ? 1 : 0;
            case VFIO_PCI_REQ_IRQ_INDEX -> 1;
            default -> 0;
        };
    }

    /**
     * VFIO_DEVICE_SET_IRQS after the header checks: picks the handler by index and action (ENOTTY when
     * there is none) and runs it. {@code data} holds {@code count} bools or fds; {@code eventfd}
     * resolves an fd (EBADF, EINVAL for a file that is not an eventfd).
     */
    synchronized void setIrqs(
            int flags, int index, int start, int count, byte[] data, IntFunction<EventFdFile> eventfd) {
        int action = flags & VfioIrqSet.ACTION_TYPE_MASK;
        Handler h = null;
        switch (index) {
            case VFIO_PCI_INTX_IRQ_INDEX -> {
                if (action == VfioIrqSet.ACTION_MASK) {
                    h = this::setIntxMask;
                } else if (action == VfioIrqSet.ACTION_UNMASK) {
                    h = this::setIntxUnmask;
                } else if (action == VfioIrqSet.ACTION_TRIGGER) {
                    h = this::setIntxTrigger;
                }
            }
            case VFIO_PCI_MSI_IRQ_INDEX, VFIO_PCI_MSIX_IRQ_INDEX -> {
                if (action == VfioIrqSet.ACTION_TRIGGER) {
                    h = this::setMsiTrigger;
                }
            }
            case VFIO_PCI_ERR_IRQ_INDEX -> {
                if (action == VfioIrqSet.ACTION_TRIGGER && pdev.pcieType().isPresent()) {
                    h = this::setErrTrigger;
                }
            }
            case VFIO_PCI_REQ_IRQ_INDEX -> {
                if (action == VfioIrqSet.ACTION_TRIGGER) {
                    h = this::setReqTrigger;
                }
            }
            default -> {}
        }
        if (h == null) {
            throw new ErrnoException(Errno.ENOTTY);
        }
        h.run(index, start, count, flags, data, eventfd);
    }

    @FunctionalInterface
    private interface Handler {
        void run(int index, int start, int count, int flags, byte[] data, IntFunction<EventFdFile> eventfd);
    }

    // ---- INTx ----------------------------------------------------------------------------------

    private void setIntxMask(int index, int start, int count, int flags, byte[] data, IntFunction<EventFdFile> ef) {
        if (irqType != VFIO_PCI_INTX_IRQ_INDEX || start != 0 || count != 1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & VfioIrqSet.DATA_EVENTFD) != 0) {
            throw new ErrnoException(Errno.ENOTTY); // not implemented by Linux either
        }
        if ((flags & VfioIrqSet.DATA_NONE) != 0 || data[0] != 0) {
            mask();
        }
    }

    /**
     * UNMASK now (NONE, BOOL), or on every signal of an eventfd (an irqfd: the virqfd runs the
     * unmask handler and, when the line is still pending, re-sends the interrupt). A negative fd
     * removes the eventfd; a second one while one is set is EBUSY.
     */
    private void setIntxUnmask(int index, int start, int count, int flags, byte[] data, IntFunction<EventFdFile> ef) {
        if (irqType != VFIO_PCI_INTX_IRQ_INDEX || start != 0 || count != 1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & VfioIrqSet.DATA_EVENTFD) != 0) {
            int fd = fd(data, 0);
            if (fd >= 0) {
                Virqfd.enable(vdev.fget(), fd, this::unmaskHandler, this::sendIntxEventfd, unmaskFd);
            } else {
                Virqfd.disable(unmaskFd);
            }
        } else if ((flags & VfioIrqSet.DATA_NONE) != 0 || data[0] != 0) {
            unmask();
        }
    }

    private void setIntxTrigger(int index, int start, int count, int flags, byte[] data, IntFunction<EventFdFile> ef) {
        boolean isIntx = irqType == VFIO_PCI_INTX_IRQ_INDEX;
        if (isIntx && count == 0 && (flags & VfioIrqSet.DATA_NONE) != 0) {
            disable();
            return;
        }
        if (!(isIntx || irqType == VFIO_PCI_NUM_IRQS) || start != 0 || count != 1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & VfioIrqSet.DATA_EVENTFD) != 0) {
            int fd = fd(data, 0);
            EventFdFile trigger = fd >= 0 ? ef.apply(fd) : null;
            if (isIntx) {
                replace(0, trigger);
            } else {
                intxEnable(trigger);
            }
            return;
        }
        if (!isIntx) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & VfioIrqSet.DATA_NONE) != 0 || data[0] != 0) {
            signal(0);
        }
    }

    /**
     * vfio_intx_enable: masked from the start while the user's INTx-disable is set (DisINTx
     * programmed to match, or the line left disabled); a line already high interrupts at once.
     */
    private void intxEnable(EventFdFile trigger) {
        triggers = new EventFdFile[] {trigger};
        irqType = VFIO_PCI_INTX_IRQ_INDEX;
        intxMasked = virqDisabled;
        if (vdev.pci23()) {
            setDisIntx(intxMasked);
        } else {
            lineDisabled = intxMasked;
        }
        if (isLineAsserted()) {
            intx(true);
        }
    }

    /**
     * vfio_intx_handler, on the line going high: without PCI 2.3 masking the line is disabled at
     * the controller; with it, DisINTx is set if the function is the one interrupting (the line
     * may be shared). Either way the user is signalled and INTx stays masked until unmasked.
     */
    synchronized void intx(boolean asserted) {
        if (!asserted || irqType != VFIO_PCI_INTX_IRQ_INDEX) {
            return;
        }
        if (!vdev.pci23()) {
            if (lineDisabled) {
                return;
            }
            lineDisabled = true;
            intxMasked = true;
        } else if (!intxMasked && checkAndSetDisIntx(true)) {
            intxMasked = true;
        } else {
            return;
        }
        sendIntxEventfd();
    }

    /** __vfio_pci_intx_mask; outside INTx use, DisINTx just follows the user's virtual bit. */
    private void mask() {
        if (irqType != VFIO_PCI_INTX_IRQ_INDEX) {
            if (vdev.pci23()) {
                setDisIntx(true);
            }
            return;
        }
        if (!intxMasked) {
            if (vdev.pci23()) {
                setDisIntx(true);
            } else {
                lineDisabled = true;
            }
            intxMasked = true;
        }
    }

    /** __vfio_pci_intx_unmask: the handler, then the re-sent interrupt it asks for. */
    private void unmask() {
        if (unmaskHandler()) {
            sendIntxEventfd();
        }
    }

    /**
     * vfio_pci_intx_unmask_handler: unmasks unless the user's INTx-disable is set. With PCI 2.3
     * masking an interrupt still pending keeps INTx masked and returns true (re-send it); without,
     * re-enabling the line re-delivers a line still high.
     */
    private synchronized boolean unmaskHandler() {
        if (irqType != VFIO_PCI_INTX_IRQ_INDEX) {
            if (vdev.pci23()) {
                setDisIntx(false);
            }
            return false;
        }
        if (!intxMasked || virqDisabled) {
            return false;
        }
        if (vdev.pci23()) {
            intxMasked = !checkAndSetDisIntx(false);
            return intxMasked;
        }
        intxMasked = false;
        lineDisabled = false;
        if (isLineAsserted()) {
            intx(true);
        }
        return false;
    }

    /** vfio_send_intx_eventfd: not while the user's INTx-disable is set. */
    private synchronized void sendIntxEventfd() {
        if (irqType == VFIO_PCI_INTX_IRQ_INDEX && !virqDisabled) {
            signal(0);
        }
    }

    /** The user's write of Command.INTx-disable, which vfio-pci emulates as a mask. */
    synchronized void virtIntxDisable(boolean disabled) {
        if (disabled && !virqDisabled) {
            virqDisabled = true;
            mask();
        } else if (!disabled && virqDisabled) {
            virqDisabled = false;
            unmask();
        }
    }

    /** The function's line is high: an interrupt pending and not disabled by DisINTx. */
    private boolean isLineAsserted() {
        int cmdStatus = pdev.config().read(COMMAND, 4);
        return (cmdStatus >>> 16 & STATUS_INTERRUPT) != 0 && (cmdStatus & COMMAND_INTX_DISABLE) == 0;
    }

    /** pci_intx: DisINTx set or clear. */
    private void setDisIntx(boolean disable) {
        int cmd = pdev.config().read(COMMAND, 2);
        int next = disable ? cmd | COMMAND_INTX_DISABLE : cmd & ~COMMAND_INTX_DISABLE;
        if (next != cmd) {
            pdev.config().write(COMMAND, 2, next);
        }
    }

    /**
     * pci_check_and_mask_intx / pci_check_and_unmask_intx: masks only if the function has an
     * interrupt pending, unmasks only if it has none; returns whether it did.
     */
    private boolean checkAndSetDisIntx(boolean mask) {
        boolean pending = (pdev.config().read(STATUS, 2) & STATUS_INTERRUPT) != 0;
        if (mask != pending) {
            return false;
        }
        setDisIntx(mask);
        return true;
    }

    // ---- MSI / MSI-X ---------------------------------------------------------------------------

    private void setMsiTrigger(int index, int start, int count, int flags, byte[] data, IntFunction<EventFdFile> ef) {
        boolean msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
        if (irqType == index && count == 0 && (flags & VfioIrqSet.DATA_NONE) != 0) {
            disable();
            return;
        }
        if (!(irqType == index || irqType == VFIO_PCI_NUM_IRQS)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & VfioIrqSet.DATA_EVENTFD) != 0) {
            // Resolve every fd first so a bad one changes nothing (a negative fd clears its vector).
            EventFdFile[] fds = new EventFdFile[count];
            try {
                for (int i = 0; i < count; i++) {
                    int fd = fd(data, i);
                    fds[i] = fd >= 0 ? ef.apply(fd) : null;
                }
                if (irqType != index) {
                    msiEnable(start + count, msix);
                }
            } catch (ErrnoException e) {
                for (EventFdFile f : fds) {
                    setNull(f);
                }
                throw e;
            }
            for (int i = 0; i < count; i++) {
                replace(start + i, fds[i]);
            }
            return;
        }
        if (irqType != index) {
            throw new ErrnoException(Errno.EINVAL);
        }
        for (int i = start; i < start + count; i++) {
            if ((flags & VfioIrqSet.DATA_NONE) != 0 || data[i - start] != 0) {
                signal(i);
            }
        }
    }

    private void msiEnable(int nvec, boolean msix) {
        if (msix) {
            if (nvec > irqCount(VFIO_PCI_MSIX_IRQ_INDEX)) {
                throw new ErrnoException(Errno.EINVAL);
            }
            vdev.programMsix(nvec, HOST_MSI_ADDRESS);
            irqType = VFIO_PCI_MSIX_IRQ_INDEX;
        } else {
            int qmax = 32 - Integer.numberOfLeadingZeros(nvec * 2 - 1) - 1;
            vdev.programMsi(qmax, HOST_MSI_ADDRESS);
            msiQmax = qmax;
            irqType = VFIO_PCI_MSI_IRQ_INDEX;
        }
        triggers = new EventFdFile[nvec];
    }

    /** A message from the function: the vector is the data vfio-pci programmed. */
    synchronized void msi(MsiMessage message) {
        if ((irqType == VFIO_PCI_MSI_IRQ_INDEX || irqType == VFIO_PCI_MSIX_IRQ_INDEX)
                && message.address() == HOST_MSI_ADDRESS) {
            int vector = message.data();
            if (vector >= 0 && vector < triggers.length) {
                signal(vector);
            }
        }
    }

    // ---- ERR / REQ -----------------------------------------------------------------------------

    private void setErrTrigger(int index, int start, int count, int flags, byte[] data, IntFunction<EventFdFile> ef) {
        errTrigger = setCtxTriggerSingle(errTrigger, start, count, flags, data, ef);
    }

    private void setReqTrigger(int index, int start, int count, int flags, byte[] data, IntFunction<EventFdFile> ef) {
        reqTrigger = setCtxTriggerSingle(reqTrigger, start, count, flags, data, ef);
    }

    /** Returns the new trigger; DATA_NONE/BOOL signal the current one (loopback). */
    private static EventFdFile setCtxTriggerSingle(
            EventFdFile current, int start, int count, int flags, byte[] data, IntFunction<EventFdFile> ef) {
        if (start != 0 || count > 1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & VfioIrqSet.DATA_NONE) != 0) {
            if (current == null) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (count != 0) {
                current.signal();
                return current;
            }
            current.put();
            return null;
        }
        if (count == 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & VfioIrqSet.DATA_BOOL) != 0) {
            if (data[0] != 0 && current != null) {
                current.signal();
            }
            return current;
        }
        int fd = fd(data, 0);
        if (fd < -1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        EventFdFile next = fd == -1 ? null : ef.apply(fd);
        if (current != null) {
            current.put();
        }
        return next;
    }

    /** The device request: signals the REQ eventfd, if the user set one. */
    synchronized void request() {
        if (reqTrigger != null) {
            reqTrigger.signal();
        }
    }

    // ---- common --------------------------------------------------------------------------------

    /** vfio_pci_set_irqs_ioctl(DATA_NONE|TRIGGER, count 0) for whatever is enabled; also on close. */
    synchronized void disable() {
        Virqfd.disable(unmaskFd);
        if (irqType == VFIO_PCI_MSI_IRQ_INDEX || irqType == VFIO_PCI_MSIX_IRQ_INDEX) {
            vdev.disableMsi(irqType == VFIO_PCI_MSIX_IRQ_INDEX);
        }
        for (int i = 0; i < triggers.length; i++) {
            replace(i, null);
        }
        triggers = new EventFdFile[0];
        irqType = VFIO_PCI_NUM_IRQS;
        intxMasked = false;
        lineDisabled = false;
    }

    /** On close: also drops ERR and REQ. */
    synchronized void release() {
        disable();
        errTrigger = setNull(errTrigger);
        reqTrigger = setNull(reqTrigger);
    }

    private static EventFdFile setNull(EventFdFile f) {
        if (f != null) {
            f.put();
        }
        return null;
    }

    private void replace(int vector, EventFdFile trigger) {
        if (triggers[vector] != null) {
            triggers[vector].put();
        }
        triggers[vector] = trigger;
    }

    private void signal(int vector) {
        EventFdFile t = triggers[vector];
        if (t != null) {
            t.signal();
        }
    }

    private static int fd(byte[] data, int i) {
        return VfioPciConfig.getLe(data, 4 * i, 4);
    }
}
