package io.jvfio.server;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.AddressSpace;
import io.jvfio.emulator.IoMapping;
import io.jvfio.emulator.PhysicalPages;
import io.jvfio.emulator.ProcMaps;
import io.jvfio.emulator.iommu.PhysicalMemory;
import io.jvfio.kernel.nativeimpl.NativeMemory;
import io.jvfio.kernel.nativeimpl.ProcessMemory;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client process's memory: uaccess by process_vm_readv/writev on its pid, the pin check by its
 * /proc/PID/maps, mmap of emulated files by asking the client to map the host fd itself (an MMIO
 * BAR as memory whose faults the client sends back, if its hello said it can), and a
 * physical window (while any of its pages are pinned) through which devices reach it by DMA. Once
 * the process has exited every uaccess is EFAULT, whatever process may since have its pid; the
 * window then reaches only the pinned shared pages, through another client ({@link SharedPins}).
 */
final class ClientAddressSpace extends AddressSpace implements PhysicalMemory.Window {
    /** The spaces of clients that have not exited, in every server of this JVM (host memory is one). */
    private static final Set<ClientAddressSpace> LIVE = ConcurrentHashMap.newKeySet();

    private final int pid;
    private final SharedPins sharedPins = new SharedPins();
    private ProcMaps maps;
    private volatile boolean gone;
    private volatile boolean mapsIo;
    private long window = -1;
    private long pinningPageSets;

    ClientAddressSpace(int pid) {
        this.pid = pid;
        LIVE.add(this);
    }

    static Iterable<ClientAddressSpace> liveSpaces() {
        return LIVE;
    }

    private void live() {
        if (gone) {
            throw new ErrnoException(Errno.EFAULT, null, "process " + pid + " has exited");
        }
    }

    @Override
    public void copyIn(long address, MemorySegment dst, long length) {
        live();
        ProcessMemory.copyIn(pid, address, dst, length);
    }

    @Override
    public void copyOut(MemorySegment src, long address, long length) {
        live();
        ProcessMemory.copyOut(pid, src, address, length);
    }

    @Override
    protected synchronized ProcMaps procMaps() {
        live();
        if (maps == null) {
            maps = ProcMaps.of(pid);
        }
        return maps;
    }

    @Override
    public MemorySegment mapFile(int hostFd, long offset, long length, int prot, int flags) {
        live();
        long address = Connection.current().map(hostFd, offset, length, prot, flags);
        return NativeMemory.at(address, length);
    }

    /** Its preload library emulates the accesses that fault on an MMIO mapping (said at hello). */
    void emulatesMmio() {
        mapsIo = true;
    }

    @Override
    public boolean mapsIo() {
        return mapsIo;
    }

    /** An inaccessible mapping in the client, whose faulting accesses come back as {@link Protocol#OP_MMIO}. */
    @Override
    public MemorySegment mapIo(long length, int prot, int flags, IoMapping io) {
        live();
        if (!mapsIo) {
            return super.mapIo(length, prot, flags, io);
        }
        long pages = (length + Linux.PAGE_SIZE - 1) & -Linux.PAGE_SIZE;
        long address = Connection.current().mapIo(length, flags);
        addIoVma(NativeMemory.at(address, pages), io, prot);
        return NativeMemory.at(address, length);
    }

    @Override
    public synchronized long physical(long address) {
        if (window < 0) {
            window = PhysicalMemory.attach(this);
        }
        return window | address;
    }

    @Override
    public synchronized void pinning(boolean start) {
        pinningPageSets += start ? 1 : -1;
        if (pinningPageSets == 0) {
            sharedPins.clear();
        }
        detachIfUnused();
    }

    @Override
    public void pinned(long address, PhysicalPages.Run run) {
        sharedPins.pinned(address, run);
    }

    /**
     * Where this process maps byte {@code offset} of {@code file} shared ({@code hint} if still
     * there), -1 if nowhere or if it has exited.
     */
    long sharedAddressOf(PhysicalPages.Inode file, long offset, long hint) {
        try {
            return procMaps().sharedAddressOf(file.dev(), file.ino(), offset, hint);
        } catch (ErrnoException e) {
            return -1;
        }
    }

    /** The process exited: nothing reaches its memory any more. */
    synchronized void exit() {
        gone = true;
        LIVE.remove(this);
        exitMmap();
        if (maps != null) {
            maps.close();
        }
        detachIfUnused();
    }

    private void detachIfUnused() {
        // A window stays while pinned pages may still be mapped through it, so it never aliases
        // another process's memory.
        if (gone && pinningPageSets == 0 && window >= 0) {
            PhysicalMemory.detach(window);
            window = -1;
        }
    }

    @Override
    public void read(long va, MemorySegment dst, long offset, long n) {
        if (gone) {
            sharedPins.copy(va, dst.asSlice(offset, n), false);
        } else {
            copyIn(va, dst.asSlice(offset, n), n);
        }
    }

    @Override
    public void write(MemorySegment src, long offset, long va, long n) {
        if (gone) {
            sharedPins.copy(va, src.asSlice(offset, n), true);
        } else {
            copyOut(src.asSlice(offset, n), va, n);
        }
    }
}
