package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

import java.util.function.Consumer;

/** The MSI capability's state machine: message composition, per-vector masking and pending bits. */
final class MsiCapability {
    private final ConfigSpace config;
    private final int offset;
    private final int vectors;
    private final boolean addr64;
    private final int dataOffset;
    private final int maskOffset;

    MsiCapability(ConfigSpace config, int offset, int vectors, boolean addr64, boolean maskable) {
        if (Integer.bitCount(vectors) != 1 || vectors > 32) {
            throw new IllegalArgumentException("MSI vector count must be a power of two up to 32: " + vectors);
        }
        this.config = config;
        this.offset = offset;
        this.vectors = vectors;
        this.addr64 = addr64;
        this.dataOffset = offset + (addr64 ? 0x0c : 0x08);
        this.maskOffset = maskable ? offset + (addr64 ? 0x10 : 0x0c) : -1;
        int flags = Integer.numberOfTrailingZeros(vectors) << 1
                | (addr64 ? MSI_FLAGS_64BIT : 0)
                | (maskable ? MSI_FLAGS_MASKBIT : 0);
        config.set(offset + MSI_FLAGS, 2, flags);
        config.mask(offset + MSI_FLAGS, 2, MSI_FLAGS_ENABLE | MSI_FLAGS_QSIZE, 0);
        config.mask(offset + MSI_ADDRESS_LO, 4, 0xfffffffc, 0);
        if (addr64) {
            config.mask(offset + MSI_ADDRESS_LO + 4, 4, 0xffffffff, 0);
        }
        config.mask(dataOffset, 2, 0xffff, 0);
        if (maskable) {
            config.mask(maskOffset, 4, vectors == 32 ? -1 : (1 << vectors) - 1, 0);
        }
    }

    /** Bytes the capability occupies. */
    static int length(boolean addr64, boolean maskable) {
        return (addr64 ? 0x0e : 0x0a) + (maskable ? 0x0a : 0);
    }

    boolean enabled() {
        return (config.get(offset + MSI_FLAGS, 2) & MSI_FLAGS_ENABLE) != 0;
    }

    /** Vectors software enabled (Multiple Message Enable), never more than the function has. */
    private int allocated() {
        int mme = (config.get(offset + MSI_FLAGS, 2) & MSI_FLAGS_QSIZE) >> 4;
        return Math.min(1 << mme, vectors);
    }

    /** Signals {@code vector}: delivers it, or sets its pending bit while it is masked. */
    void notify(int vector, Consumer<MsiMessage> deliver) {
        if (!enabled() || vector >= allocated()) {
            return;
        }
        if (maskOffset >= 0 && (config.get(maskOffset, 4) & 1 << vector) != 0) {
            config.set(maskOffset + 4, 4, config.get(maskOffset + 4, 4) | 1 << vector);
            return;
        }
        deliver.accept(message(vector));
    }

    /** After a mask-register write: sends what was pending on vectors now unmasked. */
    void deliverUnmaskedPending(Consumer<MsiMessage> deliver) {
        if (maskOffset < 0 || !enabled()) {
            return;
        }
        int pending = config.get(maskOffset + 4, 4);
        int ready = pending & ~config.get(maskOffset, 4);
        config.set(maskOffset + 4, 4, pending & ~ready);
        for (int v = 0; v < vectors; v++) {
            if ((ready & 1 << v) != 0) {
                deliver.accept(message(v));
            }
        }
    }

    int maskRegister() {
        return maskOffset;
    }

    private MsiMessage message(int vector) {
        long address = config.get(offset + MSI_ADDRESS_LO, 4) & 0xffffffffL;
        if (addr64) {
            address |= (long) config.get(offset + MSI_ADDRESS_LO + 4, 4) << 32;
        }
        int data = config.get(dataOffset, 2);
        return new MsiMessage(address, (data & ~(allocated() - 1)) | vector);
    }
}
