package io.jvfio.emulator.pci;

/**
 * A device's registers behind a BAR. Offsets are relative to the BAR; {@code size} is 1, 2, 4 or 8
 * bytes; values are little-endian as on the bus. Calls are serialised per function (see {@link
 * PciFunction}), so handlers need no locking of their own.
 */
public interface MmioHandler {
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
