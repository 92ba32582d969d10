package io.jvfio.emulator.pci;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A test PCI function (1234:deviceId) whose BAR0 is a small DMA engine: it copies {@link #LENGTH}
 * bytes from {@link #SOURCE} to {@link #DESTINATION} (IOVAs) when {@link #GO} is written, and
 * counts the copies that faulted in {@link #FAULTS}.
 */
public final class CopyEngine implements MmioHandler {
    public static final int SOURCE = 0x00;
    public static final int DESTINATION = 0x08;
    public static final int LENGTH = 0x10;
    public static final int GO = 0x18;
    public static final int FAULTS = 0x20;

    private final PciFunction fn;
    private final boolean msi;
    private long src;
    private long dst;
    private long len;
    private long faults;

    private CopyEngine(int deviceId, boolean msi) {
        this.msi = msi;
        PciFunction.Builder b = PciFunction.builder(0x1234, deviceId);
        if (msi) {
            b.intx();
        }
        b.memoryBar(0, 0x1000, false, false, this);
        if (msi) {
            b.msi(0x40, 1, true, false);
        }
        fn = b.build();
    }

    /** An engine with no interrupts. */
    public static CopyEngine create(int deviceId) {
        return new CopyEngine(deviceId, false);
    }

    /** An engine with INTx and one MSI vector, which it signals after every copy. */
    public static CopyEngine withMsi(int deviceId) {
        return new CopyEngine(deviceId, true);
    }

    public PciFunction function() {
        return fn;
    }

    public long faults() {
        return faults;
    }

    @Override
    public long read(long offset, int size) {
        return offset == FAULTS ? faults : 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        switch ((int) offset) {
            case SOURCE -> src = value;
            case DESTINATION -> dst = value;
            case LENGTH -> len = value;
            case GO -> copy();
            default -> {}
        }
    }

    private void copy() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment tmp = a.allocate(len);
            fn.dma().read(src, tmp);
            fn.dma().write(dst, tmp);
        } catch (DmaFaultException e) {
            faults++;
        }
        if (msi) {
            fn.notifyMsi(0);
        }
    }
}
