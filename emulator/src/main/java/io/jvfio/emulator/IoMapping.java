package io.jvfio.emulator;

/**
 * What serves the loads and stores of a VM_IO|VM_PFNMAP mapping (an MMIO BAR mapped by vfio-pci):
 * each access of 1, 2, 4 or 8 bytes at {@code offset} into the mapping reaches the device, in
 * program order. An access the kernel would answer with VM_FAULT_SIGBUS (memory decode off, not
 * naturally aligned) throws {@link io.jvfio.abi.ErrnoException}.
 */
public interface IoMapping {
    long read(long offset, int size);

    void write(long offset, int size, long value);

    /** An address inside an I/O mapping: its offset there, the bytes left to its end, its protection. */
    record At(IoMapping io, long offset, long left, int prot) {}
}
