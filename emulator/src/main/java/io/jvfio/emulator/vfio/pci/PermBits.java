package io.jvfio.emulator.vfio.pci;

/**
 * The kernel's {@code struct perm_bits}: for each byte of a capability, which bits are virtualised
 * (read and written in the shadow copy, never the hardware) and which are writable, plus the access
 * functions. A table without bits ({@code virt == null}) is handled by its functions alone.
 */
final class PermBits {
    /** readfn: returns the little-endian value of {@code count} bytes at {@code pos}. */
    @FunctionalInterface
    interface ReadFn {
        int read(VfioPciConfig config, int pos, int count, PermBits perm, int offset);
    }

    /** writefn. */
    @FunctionalInterface
    interface WriteFn {
        void write(VfioPciConfig config, int pos, int count, PermBits perm, int offset, int value);
    }

    final byte[] virt;
    final byte[] write;
    final ReadFn readFn;
    final WriteFn writeFn;

    private PermBits(int size, ReadFn readFn, WriteFn writeFn) {
        // Rounded up to a dword so accesses may run past the end of a capability.
        int rounded = (size + 3) & ~3;
        this.virt = size == 0 ? null : new byte[rounded];
        this.write = size == 0 ? null : new byte[rounded];
        this.readFn = readFn;
        this.writeFn = writeFn;
    }

    /** A table with bits, all readable, none writable or virtualised until set. */
    static PermBits withBits(int size, ReadFn readFn, WriteFn writeFn) {
        return new PermBits(size, readFn, writeFn);
    }

    /** A table of functions only ({@code writeFn} null: writes are dropped). */
    static PermBits functions(ReadFn readFn, WriteFn writeFn) {
        return new PermBits(0, readFn, writeFn);
    }

    void setb(int off, int virtBits, int writeBits) {
        set(off, 1, virtBits, writeBits);
    }

    void setw(int off, int virtBits, int writeBits) {
        set(off, 2, virtBits, writeBits);
    }

    void setd(int off, int virtBits, int writeBits) {
        set(off, 4, virtBits, writeBits);
    }

    int virt(int offset, int count) {
        return VfioPciConfig.getLe(virt, offset, count);
    }

    int write(int offset, int count) {
        return VfioPciConfig.getLe(write, offset, count);
    }

    private void set(int off, int size, int virtBits, int writeBits) {
        VfioPciConfig.putLe(virt, off, size, virtBits);
        VfioPciConfig.putLe(write, off, size, writeBits);
    }
}
