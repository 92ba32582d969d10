package io.jvfio.devices.mtty;

import static io.jvfio.abi.vfio.VfioConst.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioDeviceInfo;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqInfo;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.emulator.EventFdFile;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.VfioArgsz;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.VfioDeviceOps;
import io.jvfio.emulator.vfio.VfioInfoCap;
import io.jvfio.emulator.vfio.VfioIrqSetArgs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntFunction;

/**
 * One mtty mdev ({@code struct mdev_state}): a virtual PCI serial controller whose BAR0 (and BAR1
 * for two ports) are 8-byte I/O regions of 16550 registers. A port has no line: what is written to
 * its transmit register goes into a 16-byte loopback FIFO that its receive register reads back.
 * Interrupts are one INTx or one MSI eventfd. Accesses are serialised by the device's monitor
 * ({@code ops_lock}, which also covers {@code rxtx_lock}).
 */
final class MttyDevice implements VfioDeviceOps {
    static final int CONFIG_SPACE_SIZE = 0xff;
    static final int IO_BAR_SIZE = 8;
    private static final int OFFSET_SHIFT = 40;
    private static final int MAX_FIFO_SIZE = 16;

    // linux/serial_reg.h
    static final int UART_RX = 0;
    static final int UART_TX = 0;
    static final int UART_IER = 1;
    static final int UART_IIR = 2;
    static final int UART_FCR = 2;
    static final int UART_LCR = 3;
    static final int UART_MCR = 4;
    static final int UART_LSR = 5;
    static final int UART_MSR = 6;
    static final int UART_SCR = 7;
    static final int UART_IER_RDI = 0x01;
    static final int UART_IER_THRI = 0x02;
    static final int UART_IER_RLSI = 0x04;
    static final int UART_IER_MSI = 0x08;
    static final int UART_IIR_NO_INT = 0x01;
    static final int UART_IIR_THRI = 0x02;
    static final int UART_IIR_RDI = 0x04;
    static final int UART_IIR_RLSI = 0x06;
    static final int UART_FCR_ENABLE_FIFO = 0x01;
    static final int UART_FCR_CLEAR_RCVR = 0x02;
    static final int UART_FCR_CLEAR_XMIT = 0x04;
    static final int UART_LCR_DLAB = 0x80;
    static final int UART_MCR_DTR = 0x01;
    static final int UART_MCR_RTS = 0x02;
    static final int UART_MCR_OUT2 = 0x08;
    static final int UART_MCR_AFE = 0x20;
    static final int UART_LSR_DR = 0x01;
    static final int UART_LSR_OE = 0x02;
    static final int UART_LSR_THRE = 0x20;
    static final int UART_LSR_TEMT = 0x40;
    static final int UART_MSR_DCTS = 0x01;
    static final int UART_MSR_DDSR = 0x02;
    static final int UART_MSR_CTS = 0x10;
    static final int UART_MSR_DSR = 0x20;
    static final int UART_MSR_DCD = 0x80;

    /** {@code struct serial_port}. */
    private static final class Port {
        final byte[] uartReg = new byte[8];
        final byte[] fifo = new byte[MAX_FIFO_SIZE];
        // head and tail as stored: a loaded state may hold any byte, which the sample then uses as
        // an index past its fifo; here they index it modulo its size (docs/differences.md)
        int head;
        int tail;
        int count;
        int maxFifoSize = MAX_FIFO_SIZE;
        int intrTriggerLevel;
        int divisor;
        int fcr;
        // C bools, as bytes: a loaded state keeps the byte it had until the sample assigns one
        byte dlab;
        byte overrun;
        // the struct's two padding bytes, which a loaded state fills and a save copies back
        final byte[] padding = new byte[2];

        boolean empty() {
            return head == tail;
        }
    }

    private final int nrPorts;
    private final IntFunction<OpenFile> fget;
    private final byte[] vconfig = new byte[CONFIG_SPACE_SIZE];
    private final int[] barMask = new int[2];
    final MttyMigration migration = new MttyMigration(this);
    private final Port[] s = {new Port(), new Port()};
    /** {@code dev_info.num_irqs}: 0 until VFIO_DEVICE_GET_INFO, as the sample keeps it. */
    private volatile int numIrqs;

    private int irqIndex = -1;
    private EventFdFile intxEvtfd;
    private EventFdFile msiEvtfd;
    private boolean intxMask;

    MttyDevice(int nrPorts, IntFunction<OpenFile> fget) {
        this.nrPorts = nrPorts;
        this.fget = fget;
        createConfigSpace();
    }

    @Override
    public String name() {
        return "vfio-mtty";
    }

    /** mtty_create_config_space. */
    private void createConfigSpace() {
        ByteBuffer c = ByteBuffer.wrap(vconfig).order(ByteOrder.LITTLE_ENDIAN);
        c.putInt(0x00, 0x32534348); // vendor and device ID
        c.putShort(0x04, (short) 0x0001); // I/O decoding
        c.putShort(0x06, (short) 0x0200);
        c.put(0x08, (byte) 0x10); // revision
        c.put(0x09, (byte) 0x02); // 16550-compatible serial controller
        c.put(0x0b, (byte) 0x07);
        c.putInt(0x10, 0x000001);
        barMask[0] = ~IO_BAR_SIZE + 1;
        if (nrPorts == 2) {
            c.putInt(0x14, 0x000001);
            barMask[1] = ~IO_BAR_SIZE + 1;
        }
        c.putInt(0x2c, 0x32534348); // subsystem
        c.put(0x3d, (byte) 0x01); // INTA#
        c.put(0x40, (byte) 0x23);
        c.put(0x43, (byte) 0x80);
        c.put(0x44, (byte) 0x23);
        c.put(0x48, (byte) 0x23);
        c.put(0x4c, (byte) 0x23);
        byte[] tag = "PCI Serial/UART".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(tag, 0, vconfig, 0x60, tag.length);
    }

    /** handle_pci_cfg_write: the BARs (sizing included) and the interrupt line; nothing else sticks. */
    private void configWrite(int offset, byte[] buf) {
        ByteBuffer c = ByteBuffer.wrap(vconfig).order(ByteOrder.LITTLE_ENDIAN);
        switch (offset) {
            case 0x3c -> vconfig[0x3c] = buf[0];
            case 0x10, 0x14 -> {
                int bar = offset == 0x10 ? 0 : 1;
                if (nrPorts == 1 && bar == 1) {
                    c.putInt(offset, 0);
                    return;
                }
                int addr =
                        ByteBuffer.wrap(pad(buf)).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
                if (addr == 0xffffffff) {
                    addr &= barMask[bar];
                }
                addr |= vconfig[offset] & 0x3;
                c.putInt(offset, addr);
            }
            case 0x18, 0x1c, 0x20 -> c.putInt(offset, 0);
            default -> {} // control, status, pin and the rest are not writable
        }
    }

    private static byte[] pad(byte[] buf) {
        byte[] four = new byte[4];
        System.arraycopy(buf, 0, four, 0, Math.min(4, buf.length));
        return four;
    }

    /** handle_bar_write: only the first byte of an access matters. */
    private void barWrite(Port p, int offset, byte data) {
        int d = data & 0xff;
        switch (offset) {
            case UART_TX -> {
                if (p.dlab != 0) {
                    p.divisor |= d;
                    return;
                }
                if (p.count < p.maxFifoSize) {
                    p.fifo[p.head & (MAX_FIFO_SIZE - 1)] = data;
                    p.count++;
                    p.head = (p.head + 1) & (MAX_FIFO_SIZE - 1);
                    p.overrun = 0;
                    if ((p.uartReg[UART_IER] & UART_IER_RDI) != 0 && p.count == p.intrTriggerLevel) {
                        triggerInterrupt();
                    }
                } else {
                    p.overrun = 1;
                    if ((p.uartReg[UART_IER] & UART_IER_RLSI) != 0) {
                        triggerInterrupt();
                    }
                }
            }
            case UART_IER -> {
                if (p.dlab != 0) {
                    p.divisor |= d << 8;
                    return;
                }
                p.uartReg[UART_IER] = data;
                if ((d & UART_IER_THRI) != 0 && p.empty()) {
                    triggerInterrupt();
                }
            }
            case UART_FCR -> {
                p.fcr = d;
                if ((d & (UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT)) != 0) {
                    p.count = 0;
                    p.head = 0;
                    p.tail = 0;
                }
                // the sample always ends with a trigger level of 1, whatever the FCR asks
                p.intrTriggerLevel = 1;
                p.maxFifoSize = (d & UART_FCR_ENABLE_FIFO) != 0 ? MAX_FIFO_SIZE : 1;
            }
            case UART_LCR -> {
                p.dlab = (byte) ((d & UART_LCR_DLAB) != 0 ? 1 : 0);
                if (p.dlab != 0) {
                    p.divisor = 0;
                }
                p.uartReg[UART_LCR] = data;
            }
            case UART_MCR -> {
                p.uartReg[UART_MCR] = data;
                boolean msi = (p.uartReg[UART_IER] & UART_IER_MSI) != 0;
                if (msi && (d & UART_MCR_OUT2) != 0) {
                    triggerInterrupt();
                }
                if (msi && (d & (UART_MCR_RTS | UART_MCR_DTR)) != 0) {
                    triggerInterrupt();
                }
            }
            case UART_SCR -> p.uartReg[UART_SCR] = data;
            default -> {} // LSR and MSR are read-only
        }
    }

    /** handle_bar_read: the value of the first byte; the others read as 0. */
    private int barRead(Port p, int offset) {
        int ier = p.uartReg[UART_IER] & 0xff;
        switch (offset) {
            case UART_RX -> {
                if (p.dlab != 0) {
                    return p.divisor & 0xff;
                }
                int b = 0;
                if (!p.empty()) {
                    b = p.fifo[p.tail & (MAX_FIFO_SIZE - 1)] & 0xff;
                    p.count--;
                    p.tail = (p.tail + 1) & (MAX_FIFO_SIZE - 1);
                }
                if (p.empty() && (ier & UART_IER_THRI) != 0) {
                    triggerInterrupt();
                }
                return b;
            }
            case UART_IER -> {
                return p.dlab != 0 ? (p.divisor >> 8) & 0xff : ier & 0x0f;
            }
            case UART_IIR -> {
                int b = 0;
                if ((ier & UART_IER_RLSI) != 0 && p.overrun != 0) {
                    b |= UART_IIR_RLSI;
                }
                if ((ier & UART_IER_RDI) != 0 && p.count >= p.intrTriggerLevel) {
                    b |= UART_IIR_RDI;
                }
                if ((ier & UART_IER_THRI) != 0 && p.empty()) {
                    b |= UART_IIR_THRI;
                }
                // priority 4, modem status, is IIR value 0: it adds no bit
                if (b == 0) {
                    b = UART_IIR_NO_INT;
                }
                return b | 0xc0;
            }
            case UART_LCR, UART_MCR, UART_SCR -> {
                return p.uartReg[offset] & 0xff;
            }
            case UART_LSR -> {
                int lsr = 0;
                if (!p.empty()) {
                    lsr |= UART_LSR_DR;
                }
                if (p.overrun != 0) {
                    lsr |= UART_LSR_OE;
                }
                if (p.empty()) {
                    lsr |= UART_LSR_TEMT | UART_LSR_THRE;
                }
                return lsr;
            }
            case UART_MSR -> {
                int msr = UART_MSR_DSR | UART_MSR_DDSR | UART_MSR_DCD;
                if ((p.uartReg[UART_MCR] & UART_MCR_AFE) == 0 || p.count < p.maxFifoSize) {
                    msr |= UART_MSR_CTS | UART_MSR_DCTS;
                }
                return msr;
            }
            default -> {
                return 0;
            }
        }
    }

    /** {@code sizeof(struct serial_port)}: the layout the sample copies into its stream. */
    static final int PORT_STATE_SIZE = 36;

    int nrPorts() {
        return nrPorts;
    }

    /** mtty_save_state: each port as {@code struct serial_port} (x86-64 layout, the bytes as they are). */
    synchronized byte[] savePorts() {
        ByteBuffer b = ByteBuffer.allocate(nrPorts * PORT_STATE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < nrPorts; i++) {
            Port p = s[i];
            int base = i * PORT_STATE_SIZE;
            b.put(base, p.uartReg).put(base + 8, p.fifo);
            b.put(base + 24, (byte) p.head).put(base + 25, (byte) p.tail).put(base + 26, (byte) p.count);
            b.put(base + 27, p.dlab).put(base + 28, p.overrun).put(base + 29, p.padding[0]);
            b.putShort(base + 30, (short) p.divisor).put(base + 32, (byte) p.fcr);
            b.put(base + 33, (byte) p.maxFifoSize).put(base + 34, (byte) p.intrTriggerLevel);
            b.put(base + 35, p.padding[1]);
        }
        return b.array();
    }

    /** mtty_load_state: the ports as {@link #savePorts} wrote them. */
    synchronized void loadPorts(byte[] state) {
        ByteBuffer b = ByteBuffer.wrap(state).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < nrPorts; i++) {
            Port p = s[i];
            int base = i * PORT_STATE_SIZE;
            b.get(base, p.uartReg).get(base + 8, p.fifo);
            p.head = b.get(base + 24) & 0xff;
            p.tail = b.get(base + 25) & 0xff;
            p.count = b.get(base + 26) & 0xff;
            p.dlab = b.get(base + 27);
            p.overrun = b.get(base + 28);
            p.padding[0] = b.get(base + 29);
            p.padding[1] = b.get(base + 35);
            p.divisor = b.getShort(base + 30) & 0xffff;
            p.fcr = b.get(base + 32) & 0xff;
            p.maxFifoSize = b.get(base + 33) & 0xff;
            p.intrTriggerLevel = b.get(base + 34) & 0xff;
        }
    }

    /** mdev_access: false for a region the sample does not serve (its read/write fail EFAULT). */
    private synchronized boolean access(byte[] buf, long pos, boolean write) {
        int index = (int) (pos >>> OFFSET_SHIFT);
        int offset = (int) (pos & ((1L << OFFSET_SHIFT) - 1));
        if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
            if (write) {
                configWrite(offset, buf);
            } else {
                for (int i = 0; i < buf.length; i++) {
                    buf[i] = offset + i < vconfig.length ? vconfig[offset + i] : 0;
                }
            }
            return true;
        }
        // The sample indexes its two ports by BAR; BAR2-5 would run past them, so they fail here.
        if (index > 1) {
            return false;
        }
        if (write) {
            barWrite(s[index], offset, buf[0]);
        } else {
            java.util.Arrays.fill(buf, (byte) 0);
            buf[0] = (byte) barRead(s[index], offset);
        }
        return true;
    }

    /** mtty_read / mtty_write: naturally aligned 4, 2 or 1-byte accesses. */
    private long rw(MemorySegment buf, long pos, boolean write) {
        long done = 0;
        long count = buf.byteSize();
        while (count > 0) {
            int size = count >= 4 && pos % 4 == 0 ? 4 : count >= 2 && pos % 2 == 0 ? 2 : 1;
            byte[] val = new byte[size];
            if (write) {
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, done, val, 0, size);
            }
            if (!access(val, pos, write)) {
                throw new ErrnoException(Errno.EFAULT);
            }
            if (!write) {
                MemorySegment.copy(val, 0, buf, ValueLayout.JAVA_BYTE, done, size);
            }
            count -= size;
            done += size;
            pos += size;
        }
        return done;
    }

    @Override
    public long read(VfioDevice device, MemorySegment buf, long offset) {
        return rw(buf, offset, false);
    }

    @Override
    public long write(VfioDevice device, MemorySegment buf, long offset) {
        return rw(buf, offset, true);
    }

    /** mtty_ioctl_get_region_info: config space, BAR0, BAR1 for two ports; size 0 otherwise. */
    @Override
    public synchronized void getRegionInfoCaps(VfioDevice device, MemorySegment info, VfioInfoCap caps) {
        int index = VfioRegionInfo.INDEX.get(info);
        if (Integer.compareUnsigned(index, VFIO_PCI_NUM_REGIONS) >= 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        long size =
                switch (index) {
                    case VFIO_PCI_CONFIG_REGION_INDEX -> CONFIG_SPACE_SIZE;
                    case 0 -> IO_BAR_SIZE;
                    case 1 -> nrPorts == 2 ? IO_BAR_SIZE : 0;
                    default -> 0;
                };
        VfioRegionInfo.SIZE.set(info, size);
        VfioRegionInfo.OFFSET.set(info, (long) index << OFFSET_SHIFT);
        VfioRegionInfo.FLAGS.set(info, VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_WRITE);
    }

    @Override
    public long ioctl(VfioDevice device, long cmd, long arg) {
        if (cmd == VfioIoctl.VFIO_DEVICE_GET_INFO) {
            getInfo(arg);
        } else if (cmd == VfioIoctl.VFIO_DEVICE_GET_IRQ_INFO) {
            getIrqInfo(arg);
        } else if (cmd == VfioIoctl.VFIO_DEVICE_SET_IRQS) {
            VfioIrqSetArgs set = VfioIrqSetArgs.validateAndPrepare(arg, index -> numIrqs, VFIO_PCI_NUM_IRQS);
            setIrqs(set);
        } else if (cmd == VfioIoctl.VFIO_DEVICE_RESET) { // mtty_reset: the migration state only
            migration.reset();
        } else {
            throw new ErrnoException(Errno.ENOTTY);
        }
        return 0;
    }

    private void getInfo(long arg) {
        long minsz = VfioDeviceInfo.NUM_IRQS.offset() + 4;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = VfioArgsz.copyIn(arg, minsz, a);
            VfioDeviceInfo.FLAGS.set(info, VfioDeviceInfo.FLAGS_PCI);
            VfioDeviceInfo.NUM_REGIONS.set(info, VFIO_PCI_NUM_REGIONS);
            VfioDeviceInfo.NUM_IRQS.set(info, VFIO_PCI_NUM_IRQS);
            numIrqs = VFIO_PCI_NUM_IRQS;
            UserMemory.copyOut(info, arg, minsz);
        }
    }

    /** mtty_get_irq_info: one eventfd for INTx (maskable, automasked) or MSI. */
    private void getIrqInfo(long arg) {
        long minsz = VfioIrqInfo.COUNT.offset() + 4;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = VfioArgsz.copyIn(arg, minsz, a);
            int index = VfioIrqInfo.INDEX.get(info);
            int num = numIrqs;
            if (Integer.compareUnsigned(index, num) >= 0
                    || (index != VFIO_PCI_INTX_IRQ_INDEX && index != VFIO_PCI_MSI_IRQ_INDEX)) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int flags = VfioIrqInfo.EVENTFD
                    | (index == VFIO_PCI_INTX_IRQ_INDEX
                            ? VfioIrqInfo.MASKABLE | VfioIrqInfo.AUTOMASKED
                            : VfioIrqInfo.NORESIZE);
            VfioIrqInfo.FLAGS.set(info, flags);
            VfioIrqInfo.COUNT.set(info, 1);
            UserMemory.copyOut(info, arg, minsz);
        }
    }

    /** mtty_set_irqs. */
    private synchronized void setIrqs(VfioIrqSetArgs set) {
        int action = set.flags() & VfioIrqSet.ACTION_TYPE_MASK;
        switch (set.index()) {
            case VFIO_PCI_INTX_IRQ_INDEX -> {
                if (action == VfioIrqSet.ACTION_MASK || action == VfioIrqSet.ACTION_UNMASK) {
                    if (irqIndex != VFIO_PCI_INTX_IRQ_INDEX || set.start() != 0 || set.count() != 1) {
                        throw new ErrnoException(Errno.EINVAL);
                    }
                    if ((set.flags() & VfioIrqSet.DATA_EVENTFD) != 0) {
                        throw new ErrnoException(Errno.ENOTTY); // no mask or unmask eventfd
                    }
                    if ((set.flags() & VfioIrqSet.DATA_NONE) != 0 || set.data()[0] != 0) {
                        intxMask = action == VfioIrqSet.ACTION_MASK;
                    }
                } else if (action == VfioIrqSet.ACTION_TRIGGER) {
                    trigger(set, VFIO_PCI_INTX_IRQ_INDEX);
                }
            }
            case VFIO_PCI_MSI_IRQ_INDEX -> {
                if (action == VfioIrqSet.ACTION_MASK || action == VfioIrqSet.ACTION_UNMASK) {
                    throw new ErrnoException(Errno.ENOTTY);
                }
                if (action == VfioIrqSet.ACTION_TRIGGER) {
                    trigger(set, VFIO_PCI_MSI_IRQ_INDEX);
                }
            }
            default -> throw new ErrnoException(Errno.ENOTTY); // MSI-X, ERR, REQ
        }
    }

    /** The TRIGGER action of INTx or MSI: disable, set or clear the eventfd, or fire a test interrupt. */
    private void trigger(VfioIrqSetArgs set, int index) {
        boolean current = irqIndex == index;
        if (current && set.count() == 0 && (set.flags() & VfioIrqSet.DATA_NONE) != 0) {
            disable(index);
            return;
        }
        if (!(current || irqIndex < 0) || set.start() != 0 || set.count() != 1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((set.flags() & VfioIrqSet.DATA_EVENTFD) != 0) {
            int fd = ByteBuffer.wrap(set.data()).order(ByteOrder.nativeOrder()).getInt(0);
            disable(index);
            if (fd < 0) {
                return;
            }
            OpenFile f = fget.apply(fd);
            if (!(f instanceof EventFdFile evt)) {
                f.put();
                throw new ErrnoException(Errno.EINVAL);
            }
            if (index == VFIO_PCI_INTX_IRQ_INDEX) {
                intxEvtfd = evt;
            } else {
                msiEvtfd = evt;
            }
            irqIndex = index;
            return;
        }
        if (!current) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((set.flags() & VfioIrqSet.DATA_NONE) != 0
                || ((set.flags() & VfioIrqSet.DATA_BOOL) != 0 && set.data()[0] != 0)) {
            triggerInterrupt();
        }
    }

    /** mtty_disable_intx / mtty_disable_msi. */
    private void disable(int index) {
        if (index == VFIO_PCI_INTX_IRQ_INDEX && intxEvtfd != null) {
            intxEvtfd.put();
            intxEvtfd = null;
            intxMask = false;
            irqIndex = -1;
        } else if (index == VFIO_PCI_MSI_IRQ_INDEX && msiEvtfd != null) {
            msiEvtfd.put();
            msiEvtfd = null;
            irqIndex = -1;
        }
    }

    /** mtty_trigger_interrupt: INTx masks itself until the user unmasks it. */
    private void triggerInterrupt() {
        if (irqIndex == VFIO_PCI_MSI_IRQ_INDEX) {
            if (msiEvtfd != null) {
                msiEvtfd.signal();
            }
        } else if (irqIndex == VFIO_PCI_INTX_IRQ_INDEX && intxEvtfd != null && !intxMask) {
            intxEvtfd.signal();
            intxMask = true;
        }
    }

    /** mtty_close: the migration sessions end, interrupts off. */
    @Override
    public void closeDevice(VfioDevice device) {
        migration.close();
        closeIrqs();
    }

    private synchronized void closeIrqs() {
        disable(VFIO_PCI_INTX_IRQ_INDEX);
        disable(VFIO_PCI_MSI_IRQ_INDEX);
    }
}
