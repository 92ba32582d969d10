package io.jvfio.emulator.vfio.pci;

import static io.jvfio.abi.vfio.VfioConst.*;
import static io.jvfio.emulator.pci.PciRegs.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioDeviceIoeventfd;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.VfioArgsz;
import io.jvfio.emulator.pci.Bar;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * vfio_pci_rdwr.c for one device: read and write of the regions through the device fd (config
 * space through its virtualisation, BARs as naturally aligned bus cycles with the MSI-X table
 * hidden, the legacy VGA ranges) and the ioeventfds (VFIO_DEVICE_IOEVENTFD), which turn a write of
 * a given value into an eventfd's signal.
 */
final class VfioPciRdwr {
    /** VFIO_PCI_IOEVENTFD_MAX: ioeventfds per device. */
    static final int IOEVENTFD_MAX = 1000;

    private static final long OFFSET_MASK = (1L << VfioPciCoreDevice.OFFSET_SHIFT) - 1;

    private final VfioPciCoreDevice core;
    private final List<VfioPciIoeventfd> ioeventfds = new ArrayList<>();

    VfioPciRdwr(VfioPciCoreDevice core) {
        this.core = core;
    }

    /** read/pread on the device fd: the region at {@code pos >> 40}. */
    long read(MemorySegment buf, long pos) {
        byte[] b = new byte[(int) Math.min(buf.byteSize(), Integer.MAX_VALUE)];
        int n = rw(b, pos, false);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(Math.max(n, 1));
            MemorySegment.copy(b, 0, k, ValueLayout.JAVA_BYTE, 0, n);
            UserMemory.toSegment(k, buf, n);
        }
        return n;
    }

    /** write/pwrite on the device fd. */
    long write(MemorySegment buf, long pos) {
        byte[] b = new byte[(int) Math.min(buf.byteSize(), Integer.MAX_VALUE)];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(Math.max(b.length, 1));
            UserMemory.fromSegment(buf, k, b.length);
            MemorySegment.copy(k, ValueLayout.JAVA_BYTE, 0, b, 0, b.length);
        }
        return rw(b, pos, true);
    }

    private int rw(byte[] b, long pos, boolean write) {
        long index = pos >>> VfioPciCoreDevice.OFFSET_SHIFT;
        long off = pos & OFFSET_MASK;
        if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
            core.configRw(b, (int) Math.min(off, Integer.MAX_VALUE), write);
            return b.length;
        }
        if (index <= VFIO_PCI_BAR5_REGION_INDEX) {
            return barRw(
                    core.pdev().bar((int) index).orElseThrow(() -> new ErrnoException(Errno.EINVAL)), b, off, write);
        }
        if (index == VFIO_PCI_VGA_REGION_INDEX && core.hasVga()) {
            return vgaRw(b, off, write);
        }
        throw new ErrnoException(Errno.EINVAL);
    }

    /**
     * vfio_pci_vga_rw: the legacy VGA memory (0xa0000-0xbffff) and ports (0x3b0-0x3bb,
     * 0x3c0-0x3df); an access is cut at the end of its range, one starting elsewhere is EINVAL. The
     * PCI model has no legacy VGA decoding, so nothing claims these cycles: reads are all-ones,
     * writes are dropped.
     */
    private static int vgaRw(byte[] b, long off, boolean write) {
        long end;
        if (off >= 0xa0000 && off < 0xc0000) {
            end = 0xc0000;
        } else if (off >= 0x3b0 && off < 0x3bc) {
            end = 0x3bc;
        } else if (off >= 0x3c0 && off < 0x3e0) {
            end = 0x3e0;
        } else {
            throw new ErrnoException(Errno.EINVAL);
        }
        int count = (int) Math.min(b.length, end - off);
        if (!write) {
            java.util.Arrays.fill(b, 0, count, (byte) 0xff);
        }
        return count;
    }

    /**
     * vfio_pci_bar_rw: EIO while the user's memory decode is off; naturally aligned accesses of up to
     * 4 bytes; the MSI-X table reads as all-ones and ignores writes (the host owns it).
     */
    private int barRw(Bar bar, byte[] b, long off, boolean write) {
        if (bar.type() != Bar.Type.IO && !core.memoryEnabled()) {
            throw new ErrnoException(Errno.EIO);
        }
        if (off >= bar.size()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        int count = (int) Math.min(b.length, bar.size() - off);
        long xStart = -1;
        long xEnd = -1;
        if (bar.index() == core.msixBar()) {
            int table = core.pdev().config().read(core.msixCap() + MSIX_TABLE, 4);
            xStart = table & ~MSIX_BIR;
            xEnd = xStart + (long) core.irqCountMsix() * MSIX_ENTRY_SIZE;
        }
        int done = 0;
        while (done < count) {
            long at = off + done;
            int left = count - done;
            int size = left >= 4 && at % 4 == 0 ? 4 : left >= 2 && at % 2 == 0 ? 2 : 1;
            if (at < xEnd && at + size > xStart) {
                size = (int) Math.min(left, (at < xStart ? xStart : xEnd) - at);
                if (at >= xStart) {
                    if (!write) {
                        java.util.Arrays.fill(b, done, done + size, (byte) 0xff);
                    }
                    done += size;
                    continue;
                }
                size = Integer.highestOneBit(Math.min(size, 4));
            }
            if (write) {
                bar.write(at, size, VfioPciConfig.getLe(b, done, size) & 0xffffffffL);
            } else {
                VfioPciConfig.putLe(b, done, size, (int) bar.read(at, size));
            }
            done += size;
        }
        return count;
    }

    /**
     * vfio_pci_ioctl_ioeventfd: argsz, flags (one size bit of 1/2/4/8) and fd (-1 or an fd)
     * checked in the kernel's order, all EINVAL.
     */
    void ioeventfdIoctl(long arg) {
        long minsz = VfioDeviceIoeventfd.DEF.minSize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioArgsz.copyIn(arg, minsz, a);
            int flags = VfioDeviceIoeventfd.FLAGS.get(s);
            int count = flags & VfioDeviceIoeventfd.IOEVENTFD_SIZE_MASK;
            int fd = VfioDeviceIoeventfd.FD.get(s);
            if ((flags & ~VfioDeviceIoeventfd.IOEVENTFD_SIZE_MASK) != 0 || Integer.bitCount(count) != 1 || fd < -1) {
                throw new ErrnoException(Errno.EINVAL);
            }
            ioeventfd(VfioDeviceIoeventfd.OFFSET.get(s), VfioDeviceIoeventfd.DATA.get(s), count, fd);
        }
    }

    /**
     * vfio_pci_ioeventfd: BARs only, inside the BAR, never over the MSI-X table, no 8-byte writes
     * (EINVAL); then a registration equal in BAR, offset, data and size is removed by fd -1 and is
     * EEXIST otherwise; fd -1 matching nothing is ENODEV; ENOSPC past {@link #IOEVENTFD_MAX}.
     */
    private void ioeventfd(long offset, long data, int count, int fd) {
        long index = offset >>> VfioPciCoreDevice.OFFSET_SHIFT;
        long pos = offset & OFFSET_MASK;
        if (index > VFIO_PCI_BAR5_REGION_INDEX) {
            throw new ErrnoException(Errno.EINVAL);
        }
        int bar = (int) index;
        Optional<Bar> b = core.pdev().bar(bar);
        if (pos + count > b.map(Bar::size).orElse(0L)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (bar == core.msixBar()) {
            long tableStart = core.pdev().config().read(core.msixCap() + MSIX_TABLE, 4) & ~MSIX_BIR;
            long tableEnd = tableStart + (long) core.irqCountMsix() * MSIX_ENTRY_SIZE;
            if (!(pos + count <= tableStart || pos >= tableEnd)) {
                throw new ErrnoException(Errno.EINVAL);
            }
        }
        if (count == 8) {
            throw new ErrnoException(Errno.EINVAL);
        }
        synchronized (ioeventfds) {
            for (VfioPciIoeventfd e : ioeventfds) {
                if (e.matches(bar, pos, data, count)) {
                    if (fd != -1) {
                        throw new ErrnoException(Errno.EEXIST);
                    }
                    e.disable();
                    ioeventfds.remove(e);
                    return;
                }
            }
            if (fd < 0) {
                throw new ErrnoException(Errno.ENODEV);
            }
            if (ioeventfds.size() >= IOEVENTFD_MAX) {
                throw new ErrnoException(Errno.ENOSPC);
            }
            VfioPciIoeventfd e = new VfioPciIoeventfd(core, b.get(), pos, data, count);
            e.enable(core::fget, fd);
            ioeventfds.add(e);
        }
    }

    /** The ioeventfds registered now (for tests). */
    int ioeventfdCount() {
        synchronized (ioeventfds) {
            return ioeventfds.size();
        }
    }

    /** vfio_pci_ioeventfd's teardown at close: every registration disabled. */
    void releaseIoeventfds() {
        synchronized (ioeventfds) {
            ioeventfds.forEach(VfioPciIoeventfd::disable);
            ioeventfds.clear();
        }
    }
}
