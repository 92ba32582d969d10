package io.jvfio.emulator.pci;

import java.util.Optional;

/**
 * One implemented base address register and the space behind it: registers served by an {@link
 * MmioHandler}, or plain RAM that can be mapped directly. Accesses are 1, 2, 4 or 8 bytes, naturally
 * aligned, at offsets relative to the BAR, and are serialised with everything else the function
 * does. Whether the function currently decodes the space (Command.Memory/IO) is the caller's
 * business, as it is vfio-pci's on real hardware.
 */
public final class Bar {
    /** The BAR's space and width, the low bits of the register. */
    public enum Type {
        MEMORY_32,
        MEMORY_64,
        IO
    }

    private final PciFunction owner;
    private final int index;
    private final Type type;
    private final boolean prefetchable;
    private final long size;
    private final MmioHandler handler;
    private final BarMemory ram;

    Bar(PciFunction owner, int index, Type type, boolean prefetchable, long size, MmioHandler handler, BarMemory ram) {
        this.owner = owner;
        this.index = index;
        this.type = type;
        this.prefetchable = prefetchable;
        this.size = size;
        this.handler = handler;
        this.ram = ram;
    }

    public int index() {
        return index;
    }

    public Type type() {
        return type;
    }

    public boolean prefetchable() {
        return prefetchable;
    }

    /** Size in bytes, a power of two. */
    public long size() {
        return size;
    }

    /** The memory behind a RAM-backed BAR (what vfio-pci may let user space mmap). */
    public Optional<BarMemory> ram() {
        return Optional.ofNullable(ram);
    }

    public long read(long offset, int size) {
        check(offset, size);
        return owner.barRead(this, offset, size);
    }

    public void write(long offset, int size, long value) {
        check(offset, size);
        owner.barWrite(this, offset, size, value);
    }

    /** The device's own handling, without the MSI-X table/PBA overlay. */
    long deviceRead(long offset, int size) {
        return ram != null ? Le.read(ram.segment(), offset, size) : handler.read(offset, size);
    }

    void deviceWrite(long offset, int size, long value) {
        if (ram != null) {
            Le.write(ram.segment(), offset, size, value);
        } else {
            handler.write(offset, size, value);
        }
    }

    /** The value of the register's low dword at power-on: space, type and prefetch bits. */
    int registerFlags() {
        return switch (type) {
            case IO -> PciRegs.BASE_ADDRESS_SPACE_IO;
            case MEMORY_32 -> prefetchable ? PciRegs.BASE_ADDRESS_MEM_PREFETCH : 0;
            case MEMORY_64 -> PciRegs.BASE_ADDRESS_MEM_TYPE_64 | (prefetchable ? PciRegs.BASE_ADDRESS_MEM_PREFETCH : 0);
        };
    }

    private void check(long offset, int accessSize) {
        if (accessSize != 1 && accessSize != 2 && accessSize != 4 && accessSize != 8) {
            throw new IllegalArgumentException("BAR access size " + accessSize + " (must be 1, 2, 4 or 8)");
        }
        if (offset < 0 || offset + accessSize > size || offset % accessSize != 0) {
            throw new IllegalArgumentException(String.format(
                    "BAR%d access of %d bytes at 0x%x is outside its 0x%x bytes or not naturally aligned",
                    index, accessSize, offset, size));
        }
    }
}
