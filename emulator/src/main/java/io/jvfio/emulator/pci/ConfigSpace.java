package io.jvfio.emulator.pci;

import java.util.ArrayList;
import java.util.List;

/**
 * A function's 4 KiB configuration space as the bus sees it: every byte has a power-on value, a
 * mask of bits a write may change, and a mask of bits a write of 1 clears (RW1C); all other bits
 * are read-only. Registers with side effects (BARs, MSI/MSI-X control, FLR, bridge reset) register
 * a hook that runs after the masked write lands.
 *
 * <p>Accesses are 1, 2 or 4 bytes, naturally aligned, little-endian, as on the PCI bus.
 */
public final class ConfigSpace {
    /** Runs after a write touching its range; gets the bytes the write covered. */
    interface WriteHook {
        void written(int offset, int size, int value);
    }

    private record Hook(int offset, int length, WriteHook hook) {}

    private final byte[] bytes = new byte[PciRegs.CFG_SPACE_EXP_SIZE];
    private final byte[] writable = new byte[PciRegs.CFG_SPACE_EXP_SIZE];
    private final byte[] writeOneToClear = new byte[PciRegs.CFG_SPACE_EXP_SIZE];
    private final List<Hook> hooks = new ArrayList<>();
    private final Object lock;
    private byte[] powerOn = new byte[0];

    /** {@code lock} is the owning function, whose monitor serialises every access. */
    ConfigSpace(Object lock) {
        this.lock = lock;
    }

    /** Reads {@code size} (1, 2 or 4) bytes at {@code offset}, zero-extended. */
    public int read(int offset, int size) {
        checkAccess(offset, size);
        synchronized (lock) {
            return get(offset, size);
        }
    }

    /** Writes through the masks, then runs the hooks of the registers written. */
    public void write(int offset, int size, int value) {
        checkAccess(offset, size);
        synchronized (lock) {
            for (int i = 0; i < size; i++) {
                int at = offset + i;
                int v = value >>> (8 * i) & 0xff;
                int kept = bytes[at] & ~writable[at];
                int updated = (kept | (v & writable[at])) & ~(v & writeOneToClear[at]);
                bytes[at] = (byte) updated;
            }
            for (Hook h : hooks) {
                if (offset < h.offset() + h.length() && h.offset() < offset + size) {
                    h.hook().written(offset, size, value);
                }
            }
        }
    }

    /** Hardware-side read, no access-size rules (any length up to 4 within the space). */
    int get(int offset, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) {
            v |= (bytes[offset + i] & 0xff) << (8 * i);
        }
        return v;
    }

    /** Hardware-side update of a register, ignoring the masks (status bits, enumeration). */
    void set(int offset, int size, int value) {
        for (int i = 0; i < size; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /** Declares which bits of a register software may write ({@code rw}) and clear by writing 1. */
    void mask(int offset, int size, int rw, int w1c) {
        for (int i = 0; i < size; i++) {
            writable[offset + i] = (byte) (rw >>> (8 * i));
            writeOneToClear[offset + i] = (byte) (w1c >>> (8 * i));
        }
    }

    void onWrite(int offset, int length, WriteHook hook) {
        hooks.add(new Hook(offset, length, hook));
    }

    /** Records the current contents as the power-on state {@link #reset()} returns to. */
    void sealPowerOnState() {
        powerOn = bytes.clone();
    }

    void reset() {
        System.arraycopy(powerOn, 0, bytes, 0, bytes.length);
    }

    /** The writable-bit mask of a register (for tests and for vfio-pci's virtualisation tables). */
    public int writableMask(int offset, int size) {
        return maskOf(writable, offset, size);
    }

    /** The write-one-to-clear mask of a register. */
    public int writeOneToClearMask(int offset, int size) {
        return maskOf(writeOneToClear, offset, size);
    }

    private static int maskOf(byte[] mask, int offset, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) {
            v |= (mask[offset + i] & 0xff) << (8 * i);
        }
        return v;
    }

    private static void checkAccess(int offset, int size) {
        if (size != 1 && size != 2 && size != 4) {
            throw new IllegalArgumentException("config access size " + size + " (must be 1, 2 or 4)");
        }
        if (offset < 0 || offset + size > PciRegs.CFG_SPACE_EXP_SIZE || offset % size != 0) {
            throw new IllegalArgumentException("config access of " + size + " bytes at 0x" + Integer.toHexString(offset)
                    + " is outside the space or not naturally aligned");
        }
    }
}
