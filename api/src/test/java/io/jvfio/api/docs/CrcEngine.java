package io.jvfio.api.docs;

import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

// docs:begin crc-engine
/**
 * A CRC-32 engine (the device-model tutorial's example, docs/devices.md): software gives it the
 * IOVA and length of a buffer and an IOVA for the result; it reads the buffer by DMA, writes the
 * CRC there by DMA, and signals MSI-X vector 0.
 */
final class CrcEngine implements MmioHandler {
    static final int VENDOR_ID = 0x1234;
    static final int DEVICE_ID = 0xc3c3;
    static final int REG_ID = 0x00; // read-only identification
    static final int REG_SOURCE = 0x08; // IOVA of the data, 64 bits
    static final int REG_LENGTH = 0x10; // bytes, 1..64 KiB
    static final int REG_RESULT = 0x18; // IOVA the CRC (4 bytes, little-endian) goes to, 64 bits
    static final int REG_COMMAND = 0x20; // write 1 to run
    static final int REG_STATUS = 0x24; // 1 done, 2 DMA fault, 3 bad length
    static final int ID = 0xc3c30001;
    static final int MAX_LENGTH = 64 << 10;

    private final PciFunction pci;
    private long source;
    private long length;
    private long result;
    private int status;

    CrcEngine() {
        pci = PciFunction.builder(VENDOR_ID, DEVICE_ID)
                .classCode(0xff0000) // "unassigned class"
                .revision(1)
                // BAR0, 4 KiB, 32-bit, not prefetchable: the registers above; this object serves them
                .memoryBar(0, 4096, false, false, this)
                // one MSI-X vector; table at BAR0 + 0x800, PBA at BAR0 + 0xc00 (the PCI model serves both)
                .msix(0x40, 1, 0, 0x800, 0, 0xc00)
                .build();
    }

    PciFunction pci() {
        return pci;
    }

    /** A BAR0 read: offset within the BAR, size 1, 2, 4 or 8 bytes. */
    @Override
    public long read(long offset, int size) {
        return switch ((int) offset) {
            case REG_ID -> ID;
            case REG_SOURCE -> source;
            case REG_LENGTH -> length;
            case REG_RESULT -> result;
            case REG_STATUS -> status;
            default -> 0;
        };
    }

    /** A BAR0 write; the function's monitor is held, so no locking here. */
    @Override
    public void write(long offset, int size, long value) {
        switch ((int) offset) {
            case REG_SOURCE -> source = value;
            case REG_LENGTH -> length = value & 0xffffffffL;
            case REG_RESULT -> result = value;
            case REG_COMMAND -> {
                if ((value & 1) != 0) {
                    run();
                }
            }
            default -> {} // read-only or unassigned: ignored, as hardware does
        }
    }

    /** Runs inside the write that starts it: DMA in, CRC, DMA out, interrupt. */
    private void run() {
        if (length < 1 || length > MAX_LENGTH) {
            status = 3;
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = arena.allocate(length);
                // Through the IOMMU: faults (and moves nothing) if the IOVA is not mapped for reading
                // or bus mastering is off.
                pci.dma().read(source, data);
                CRC32 crc = new CRC32();
                crc.update(data.asByteBuffer());
                MemorySegment out = arena.allocate(4);
                out.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, (int) crc.getValue());
                pci.dma().write(result, out);
                status = 1;
            } catch (DmaFaultException e) {
                status = 2; // the IOMMU has recorded the fault; the device reports it in STATUS
            }
        }
        pci.notifyMsix(0); // nothing unless the driver enabled MSI-X; pending while masked
    }
}
// docs:end crc-engine
