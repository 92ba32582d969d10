package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.iommu.PhysicalMemory;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import io.jvfio.kernel.nativeimpl.ProcessMemory;
import java.lang.foreign.MemorySegment;

/**
 * The memory of one host process as the emulated kernel reaches it: what {@code current->mm}
 * gives the real kernel's uaccess, GUP and mmap. {@link #LOCAL} is this JVM's own memory; a
 * client served by {@code jvfio run} has one of its own (process_vm_readv/writev on its pid).
 * Pinned pages are addressed by {@link #physical} addresses, so DMA reaches them wherever they
 * live. The space also keeps the file mappings whose close hook must run when they go away.
 */
public abstract class AddressSpace {
    /** This JVM's memory: user pointers are addresses of this process. */
    public static final AddressSpace LOCAL = new Local();

    private final Vmas vmas = new Vmas();

    /** copy_from_user: EFAULT if any byte of [address, address+length) cannot be read. */
    public abstract void copyIn(long address, MemorySegment dst, long length);

    /** copy_to_user: EFAULT if any byte cannot be written. */
    public abstract void copyOut(MemorySegment src, long address, long length);

    /** The host's view of this space's VMAs, for the pin check. */
    protected abstract ProcMaps procMaps();

    /**
     * An emulated file's mmap: maps {@code length} bytes of host file {@code hostFd} at {@code
     * offset} into this space. The segment's address is the mapping's; only {@link #LOCAL}'s may be
     * dereferenced.
     */
    public abstract MemorySegment mapFile(int hostFd, long offset, long length, int prot, int flags);

    /**
     * Whether this space can have I/O mappings ({@link #mapIo}): only a client whose preload library
     * emulates the faulting loads and stores said so at hello; this JVM cannot.
     */
    public boolean mapsIo() {
        return false;
    }

    /**
     * A VM_IO|VM_PFNMAP mmap of {@code length} bytes whose accesses {@code io} serves, with the
     * program's {@code prot} and its mmap {@code flags} (MAP_FIXED honoured). EINVAL where {@link
     * #mapsIo} is false.
     */
    public MemorySegment mapIo(long length, int prot, int flags, IoMapping io) {
        throw new ErrnoException(Errno.EINVAL, null, "this process cannot map MMIO");
    }

    /** Registers an I/O mapping made by {@link #mapIo}. */
    protected final void addIoVma(MemorySegment mapping, IoMapping io, int prot) {
        vmas.addIo(mapping.address(), mapping.byteSize(), io, prot);
    }

    /**
     * fork: this space, a child of {@code parent}, gets the I/O mappings of the parent that it
     * still has as the inaccessible memory {@link #mapIo} made.
     */
    public final void inheritIo(AddressSpace parent) {
        try (ProcMaps.Walk walk = procMaps().walk()) {
            vmas.inheritIo(parent.vmas, (start, end) -> {
                ProcMaps.Vma v = walk.covering(start);
                return v != null && !v.readable() && !v.writable() && !v.shared() && v.end() >= end;
            });
        }
    }

    /** The I/O mapping at user address {@code address}, null if it is in none. */
    public final IoMapping.At ioAt(long address) {
        return vmas.io(address);
    }

    /**
     * The physical address of user address {@code address}, for a page about to be pinned;
     * ENOMEM when no physical window is left for this space.
     */
    public abstract long physical(long address);

    /** A page set starts pinning pages of this space ({@code true}) or holds none any more. */
    public void pinning(boolean start) {}

    /**
     * The pages from user address {@code address} on were pinned as the pages {@code run} names
     * (the pins stay on those pages, whatever the process maps there later or whether it lives):
     * a client's space reaches pinned shared pages through them once its own memory is gone.
     */
    public void pinned(long address, PhysicalPages.Run run) {}

    /** The address space whose memory physical address {@code pa} is. */
    static AddressSpace ofPhysical(long pa) {
        return PhysicalMemory.isWindow(pa) ? (AddressSpace) PhysicalMemory.window(pa) : LOCAL;
    }

    /** The user address physical address {@code pa} is in its {@link #ofPhysical} space. */
    static long virtual(long pa) {
        return PhysicalMemory.virtual(pa);
    }

    /**
     * For a file's {@code mmap} whose mapping has a close hook (vm_ops->close): the mapping keeps
     * a reference on {@code file}, and {@code close} runs once all of it has been unmapped.
     */
    public final void addVma(MemorySegment mapping, OpenFile file, Runnable close) {
        vmas.add(mapping.address(), mapping.byteSize(), file, close);
    }

    /** munmap of [address, address+length) happened in this space. */
    public final void unmapped(long address, long length) {
        vmas.unmapped(address, length);
    }

    /** exit_mmap: the process is gone, every file mapping with it. */
    public final void exitMmap() {
        vmas.unmapped(0, Long.MAX_VALUE);
    }

    private static final class Local extends AddressSpace {
        @Override
        public void copyIn(long address, MemorySegment dst, long length) {
            ProcessMemory.copyIn(address, dst, length);
        }

        @Override
        public void copyOut(MemorySegment src, long address, long length) {
            ProcessMemory.copyOut(src, address, length);
        }

        @Override
        protected ProcMaps procMaps() {
            return ProcMaps.SELF;
        }

        @Override
        public MemorySegment mapFile(int hostFd, long offset, long length, int prot, int flags) {
            return NativeKernel.instance().mmap(length, prot, flags, hostFd, offset);
        }

        @Override
        public long physical(long address) {
            return address;
        }
    }
}
