package io.jvfio.devices.edu;

import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.MigratableDevice;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * QEMU's educational device ("edu", 1234:11e8), register-compatible with QEMU 7.2's model: an
 * identification register, a liveness check, a factorial unit, an interrupt raise/acknowledge pair,
 * and a DMA engine between host memory and a 4 KiB buffer at device address 0x40000, interrupting
 * by MSI (one vector, 64-bit) or INTx.
 *
 * <p>Where QEMU completes work later (the factorial in a thread, DMA on a 100 ms timer), this model
 * completes it inside the register write that starts it: the "computing" and "DMA running" bits are
 * already clear when software next reads them, which a driver polling them as QEMU's spec asks sees
 * as a very fast device. See docs/devices.md.
 */
public final class EduDevice {
    public static final int VENDOR_ID = 0x1234;
    public static final int DEVICE_ID = 0x11e8;
    public static final int CLASS_CODE = 0x00ff00;
    public static final int REVISION = 0x10;
    public static final long BAR0_SIZE = 1 << 20;

    public static final int REG_IDENTIFICATION = 0x00;
    public static final int REG_LIVENESS = 0x04;
    public static final int REG_FACTORIAL = 0x08;
    public static final int REG_STATUS = 0x20;
    public static final int REG_INTERRUPT_STATUS = 0x24;
    public static final int REG_INTERRUPT_RAISE = 0x60;
    public static final int REG_INTERRUPT_ACK = 0x64;
    public static final int REG_DMA_SOURCE = 0x80;
    public static final int REG_DMA_DESTINATION = 0x88;
    public static final int REG_DMA_COUNT = 0x90;
    public static final int REG_DMA_COMMAND = 0x98;

    public static final int IDENTIFICATION = 0x010000ed;
    public static final int STATUS_COMPUTING = 0x01;
    public static final int STATUS_IRQ_FACTORIAL = 0x80;
    public static final int IRQ_FACTORIAL = 0x00000001;
    public static final int IRQ_DMA = 0x00000100;
    public static final int DMA_RUN = 0x1;
    public static final int DMA_TO_RAM = 0x2;
    public static final int DMA_IRQ = 0x4;
    public static final long DMA_BUFFER = 0x40000;
    public static final int DMA_BUFFER_SIZE = 4096;
    /** QEMU's default "dma_mask" property: the engine drives 28 address bits. */
    public static final long DMA_MASK = (1L << 28) - 1;

    private static final System.Logger LOG = System.getLogger(EduDevice.class.getName());

    private final PciFunction pci;
    private final MemorySegment buffer = Arena.ofAuto().allocate(DMA_BUFFER_SIZE);
    private int liveness;
    private int factorial;
    private int status;
    private int irqStatus;
    private long dmaSource;
    private long dmaDestination;
    private long dmaCount;
    private long dmaCommand;
    private int hardwareErrors;
    /** Migration's STOP: DMA and interrupts wait for the device to run again. */
    private boolean stopped;

    public EduDevice() {
        // No reset hook: QEMU's edu keeps its registers across resets; only config space resets.
        this.pci = PciFunction.builder(VENDOR_ID, DEVICE_ID)
                .classCode(CLASS_CODE)
                .revision(REVISION)
                .subsystem(0x1af4, 0x1100)
                .intx()
                .memoryBar(0, BAR0_SIZE, false, false, new Registers())
                .msi(0x40, 1, true, false)
                .migratable(new State())
                .build();
    }

    public PciFunction pci() {
        return pci;
    }

    /**
     * DMA requests refused for leaving the buffer (QEMU 7.2 stops the whole VM for these with
     * hw_error); a diagnostic for tests and logs.
     */
    public int hardwareErrors() {
        synchronized (pci) {
            return hardwareErrors;
        }
    }

    private void raiseIrq(int bits) {
        irqStatus |= bits;
        if (irqStatus != 0 && !stopped) {
            if (pci.msiEnabled()) {
                pci.notifyMsi(0);
            } else {
                pci.setIntx(true);
            }
        }
    }

    private void lowerIrq(int bits) {
        irqStatus &= ~bits;
        if (irqStatus == 0 && !pci.msiEnabled()) {
            pci.setIntx(false);
        }
    }

    private void startFactorial(int n) {
        int result = 1;
        // The product is taken modulo 2^32, so it stays 0 once 0: stop there (n >= 34).
        for (int v = n; v != 0 && result != 0; v--) {
            result *= v;
        }
        factorial = result;
        if ((status & STATUS_IRQ_FACTORIAL) != 0) {
            raiseIrq(IRQ_FACTORIAL);
        }
    }

    private void runDma() {
        long deviceAddress = (dmaCommand & DMA_TO_RAM) != 0 ? dmaSource : dmaDestination;
        long ramAddress = ((dmaCommand & DMA_TO_RAM) != 0 ? dmaDestination : dmaSource) & DMA_MASK;
        if (!inBuffer(deviceAddress, dmaCount)) {
            hardwareErrors++;
            LOG.log(
                    System.Logger.Level.WARNING,
                    "edu: DMA range 0x{0}-0x{1} out of bounds (0x40000-0x40fff), refused",
                    Long.toHexString(deviceAddress),
                    Long.toHexString(deviceAddress + dmaCount - 1));
            dmaCommand &= ~DMA_RUN;
            return;
        }
        MemorySegment window = buffer.asSlice(deviceAddress - DMA_BUFFER, dmaCount);
        try {
            if ((dmaCommand & DMA_TO_RAM) != 0) {
                pci.dma().write(ramAddress, window);
            } else {
                pci.dma().read(ramAddress, window);
            }
        } catch (DmaFaultException e) {
            // As in QEMU, a failed transfer is not reported by the device: the IOMMU logs the fault.
            LOG.log(System.Logger.Level.DEBUG, "edu: {0}", e.getMessage());
        }
        dmaCommand &= ~DMA_RUN;
        if ((dmaCommand & DMA_IRQ) != 0) {
            raiseIrq(IRQ_DMA);
        }
    }

    /**
     * QEMU 7.2's bounds check: the transfer must start inside the buffer, be non-empty, and end
     * strictly before the buffer's end, which rejects a transfer of the whole 4096 bytes.
     */
    static boolean inBuffer(long start, long count) {
        long end = start + count;
        long bufferEnd = DMA_BUFFER + DMA_BUFFER_SIZE;
        return within(start, bufferEnd) && Long.compareUnsigned(end, start) > 0 && within(end, bufferEnd);
    }

    private static boolean within(long address, long bufferEnd) {
        return Long.compareUnsigned(DMA_BUFFER, address) <= 0 && Long.compareUnsigned(address, bufferEnd) < 0;
    }

    /** The registers and the buffer, for migration: nothing is sent ahead, everything at STOP_COPY. */
    private final class State implements MigratableDevice {
        private static final int REGISTERS = 4 * 4 + 4 * 8;

        @Override
        public void setRunning(boolean running) {
            stopped = !running;
            if (running && (dmaCommand & DMA_RUN) != 0) {
                runDma(); // a transfer started while stopped
            }
            if (running) {
                raiseIrq(0);
            }
        }

        @Override
        public byte[] saveInitial() {
            return new byte[0];
        }

        @Override
        public byte[] saveFinal() {
            ByteBuffer b = ByteBuffer.allocate(REGISTERS + DMA_BUFFER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(liveness).putInt(factorial).putInt(status).putInt(irqStatus);
            b.putLong(dmaSource).putLong(dmaDestination).putLong(dmaCount).putLong(dmaCommand);
            b.put(buffer.asByteBuffer());
            return b.array();
        }

        @Override
        public void load(byte[] initial, byte[] fin) {
            if (initial.length != 0 || fin.length != REGISTERS + DMA_BUFFER_SIZE) {
                throw new IllegalArgumentException("not an edu state");
            }
            ByteBuffer b = ByteBuffer.wrap(fin).order(ByteOrder.LITTLE_ENDIAN);
            liveness = b.getInt();
            factorial = b.getInt();
            status = b.getInt();
            irqStatus = b.getInt();
            dmaSource = b.getLong();
            dmaDestination = b.getLong();
            dmaCount = b.getLong();
            dmaCommand = b.getLong();
            buffer.asByteBuffer().put(b);
        }
    }

    /**
     * BAR0: registers below 0x80 take 32-bit accesses only, the DMA registers 32- or 64-bit. As in
     * QEMU, 1- and 2-byte accesses never reach the device (its ops' valid sizes are 4 and 8: the
     * memory core reads them as 0 and drops the writes), and an 8-byte access below 0x80 reaches it
     * and reads all-ones.
     */
    private final class Registers implements MmioHandler {
        private static boolean validSize(long offset, int size) {
            return size == 4 || (offset >= REG_DMA_SOURCE && size == 8);
        }

        @Override
        public long read(long offset, int size) {
            if (size < 4) {
                return 0;
            }
            if (!validSize(offset, size)) {
                return -1L;
            }
            long value =
                    switch ((int) offset) {
                        case REG_IDENTIFICATION -> IDENTIFICATION;
                        case REG_LIVENESS -> liveness;
                        case REG_FACTORIAL -> factorial;
                        case REG_STATUS -> status;
                        case REG_INTERRUPT_STATUS -> irqStatus;
                        case REG_DMA_SOURCE -> dmaSource;
                        case REG_DMA_DESTINATION -> dmaDestination;
                        case REG_DMA_COUNT -> dmaCount;
                        case REG_DMA_COMMAND -> dmaCommand;
                        default -> -1L;
                    };
            return size == 4 ? value & 0xffffffffL : value;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (!validSize(offset, size)) {
                return;
            }
            boolean dmaIdle = (dmaCommand & DMA_RUN) == 0;
            switch ((int) offset) {
                case REG_LIVENESS -> liveness = ~(int) value;
                case REG_FACTORIAL -> startFactorial((int) value);
                case REG_STATUS ->
                    status = (value & STATUS_IRQ_FACTORIAL) != 0
                            ? status | STATUS_IRQ_FACTORIAL
                            : status & ~STATUS_IRQ_FACTORIAL;
                case REG_INTERRUPT_RAISE -> raiseIrq((int) value);
                case REG_INTERRUPT_ACK -> lowerIrq((int) value);
                case REG_DMA_SOURCE -> dmaSource = dmaIdle ? value : dmaSource;
                case REG_DMA_DESTINATION -> dmaDestination = dmaIdle ? value : dmaDestination;
                case REG_DMA_COUNT -> dmaCount = dmaIdle ? value : dmaCount;
                case REG_DMA_COMMAND -> {
                    if ((value & DMA_RUN) != 0 && dmaIdle) {
                        dmaCommand = value;
                        if (!stopped) {
                            runDma();
                        }
                    }
                }
                default -> {}
            }
        }
    }
}
