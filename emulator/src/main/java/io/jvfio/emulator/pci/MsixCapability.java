package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/** The MSI-X capability with its vector table and pending-bit array, which live in BAR space. */
final class MsixCapability {
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ConfigSpace config;
    private final int offset;
    private final int vectors;
    final int tableBar;
    final long tableOffset;
    final int pbaBar;
    final long pbaOffset;
    private final MemorySegment table;
    private final MemorySegment pba;

    MsixCapability(
            ConfigSpace config, int offset, int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset) {
        if (vectors < 1 || vectors > 2048) {
            throw new IllegalArgumentException("MSI-X table size must be 1..2048: " + vectors);
        }
        if ((tableOffset & 7) != 0 || (pbaOffset & 7) != 0) {
            throw new IllegalArgumentException("MSI-X table and PBA offsets must be 8-byte aligned");
        }
        this.config = config;
        this.offset = offset;
        this.vectors = vectors;
        this.tableBar = tableBar;
        this.tableOffset = tableOffset;
        this.pbaBar = pbaBar;
        this.pbaOffset = pbaOffset;
        this.table = MemorySegment.ofArray(new byte[vectors * MSIX_ENTRY_SIZE]);
        this.pba = MemorySegment.ofArray(new byte[(vectors + 63) / 64 * 8]);
        config.set(offset + MSIX_FLAGS, 2, vectors - 1);
        config.mask(offset + MSIX_FLAGS, 2, MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL, 0);
        config.set(offset + MSIX_TABLE, 4, (int) tableOffset | tableBar);
        config.set(offset + MSIX_PBA, 4, (int) pbaOffset | pbaBar);
        reset();
    }

    static final int LENGTH = 12;

    long tableBytes() {
        return table.byteSize();
    }

    long pbaBytes() {
        return pba.byteSize();
    }

    /** Back to power-on: every vector masked, nothing pending. */
    void reset() {
        table.fill((byte) 0);
        pba.fill((byte) 0);
        for (int v = 0; v < vectors; v++) {
            table.set(LE_INT, (long) v * MSIX_ENTRY_SIZE + MSIX_ENTRY_VECTOR_CTRL, MSIX_ENTRY_CTRL_MASKBIT);
        }
    }

    boolean enabled() {
        return (config.get(offset + MSIX_FLAGS, 2) & MSIX_FLAGS_ENABLE) != 0;
    }

    private boolean functionMasked() {
        return (config.get(offset + MSIX_FLAGS, 2) & MSIX_FLAGS_MASKALL) != 0;
    }

    private boolean masked(int vector) {
        return functionMasked()
                || (table.get(LE_INT, (long) vector * MSIX_ENTRY_SIZE + MSIX_ENTRY_VECTOR_CTRL)
                                & MSIX_ENTRY_CTRL_MASKBIT)
                        != 0;
    }

    boolean inTable(int bar, long at) {
        return bar == tableBar && at >= tableOffset && at < tableOffset + table.byteSize();
    }

    boolean inPba(int bar, long at) {
        return bar == pbaBar && at >= pbaOffset && at < pbaOffset + pba.byteSize();
    }

    long readTable(long at, int size) {
        return Le.read(table, at - tableOffset, size);
    }

    long readPba(long at, int size) {
        return Le.read(pba, at - pbaOffset, size);
    }

    /** Table writes: only address, data and the mask bit are writable; unmasking may deliver. */
    void writeTable(long at, int size, long value, Consumer<MsixVector> deliver) {
        long rel = at - tableOffset;
        for (int i = 0; i < size; i++) {
            long b = rel + i;
            int field = (int) (b % MSIX_ENTRY_SIZE);
            byte v = (byte) (value >>> (8 * i));
            if (field < MSIX_ENTRY_VECTOR_CTRL) {
                table.set(ValueLayout.JAVA_BYTE, b, v);
            } else if (field == MSIX_ENTRY_VECTOR_CTRL) {
                table.set(ValueLayout.JAVA_BYTE, b, (byte) (v & MSIX_ENTRY_CTRL_MASKBIT));
            }
        }
        deliverUnmaskedPending(deliver);
    }

    /** Signals {@code vector}: delivers it, or records it pending while masked. */
    void notify(int vector, Consumer<MsixVector> deliver) {
        if (!enabled() || vector < 0 || vector >= vectors) {
            return;
        }
        if (masked(vector)) {
            setPending(vector, true);
            return;
        }
        deliver.accept(entry(vector));
    }

    void deliverUnmaskedPending(Consumer<MsixVector> deliver) {
        if (!enabled()) {
            return;
        }
        for (int v = 0; v < vectors; v++) {
            if (pending(v) && !masked(v)) {
                setPending(v, false);
                deliver.accept(entry(v));
            }
        }
    }

    private boolean pending(int vector) {
        return (pba.get(ValueLayout.JAVA_BYTE, vector / 8) & 1 << (vector % 8)) != 0;
    }

    private void setPending(int vector, boolean on) {
        byte b = pba.get(ValueLayout.JAVA_BYTE, vector / 8);
        int bit = 1 << (vector % 8);
        pba.set(ValueLayout.JAVA_BYTE, vector / 8, (byte) (on ? b | bit : b & ~bit));
    }

    private MsixVector entry(int vector) {
        long base = (long) vector * MSIX_ENTRY_SIZE;
        long address = (table.get(LE_INT, base) & 0xffffffffL) | ((long) table.get(LE_INT, base + 4) << 32);
        return new MsixVector(vector, new MsiMessage(address, table.get(LE_INT, base + 8)));
    }

    record MsixVector(int vector, MsiMessage message) {}
}
