package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.IoMapping;
import io.jvfio.emulator.pci.Bar;

/**
 * A register BAR mmapped by vfio-pci (vfio_pci_mmap_ops): the program's loads and stores reach
 * the device as the CPU's would, at any width the device takes, the MSI-X table included (7.2
 * lets it be mapped). Where vfio_pci_mmap_huge_fault refuses the fault (the user's memory decode
 * off, the device runtime-suspended) the access is SIGBUS, as is one that is not naturally
 * aligned, which a PCIe device would see as bytes it may not take. The rest of the last page past
 * a BAR smaller than a page reads all-ones and ignores writes, as unclaimed bus space does.
 */
final class VfioPciBarMapping implements IoMapping {
    private final VfioPciCoreDevice core;
    private final Bar bar;
    private final long start;

    VfioPciBarMapping(VfioPciCoreDevice core, Bar bar, long start) {
        this.core = core;
        this.bar = bar;
        this.start = start;
    }

    @Override
    public long read(long offset, int size) {
        long at = check(offset, size);
        return at + size > bar.size() ? -1L >>> (64 - 8 * size) : bar.read(at, size);
    }

    @Override
    public void write(long offset, int size, long value) {
        long at = check(offset, size);
        if (at + size <= bar.size()) {
            bar.write(at, size, value);
        }
    }

    private long check(long offset, int size) {
        if (!core.memoryAccessible()) {
            throw new ErrnoException(Errno.EIO, null, "BAR" + bar.index() + " access with memory decode off");
        }
        long at = start + offset;
        if (Long.bitCount(size) != 1 || size > 8 || at % size != 0) {
            throw new ErrnoException(
                    Errno.EIO,
                    null,
                    "BAR" + bar.index() + " access of " + size + " bytes at 0x" + Long.toHexString(at)
                            + " is not naturally aligned");
        }
        return at;
    }
}
