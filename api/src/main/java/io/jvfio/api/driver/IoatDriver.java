package io.jvfio.api.driver;

import io.jvfio.api.DmaAccess;
import io.jvfio.api.DmaBuffer;
import io.jvfio.api.Ioas;
import io.jvfio.api.Iommufd;
import io.jvfio.api.Irq;
import io.jvfio.api.Jvfio;
import io.jvfio.api.PciConfig;
import io.jvfio.api.Region;
import io.jvfio.api.VfioDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A userspace driver for an Intel I/OAT (CBDMA) channel written on the typed API only: memcpy
 * between IOVAs of the device's IOAS, as a chain of copy descriptors whose last asks for the
 * completion writeback and the channel's MSI-X interrupt. Channel 0 only; one memcpy at a time
 * (methods are synchronized). Registers are those of Linux's drivers/dma/ioat/registers.h.
 */
public final class IoatDriver implements AutoCloseable {
    private static final int CHANNEL = 0x80;
    private static final int XFERCAP = 0x01;
    private static final int INTRCTRL = 0x03;
    private static final int VER = 0x08;
    private static final int CHANCTRL = CHANNEL;
    private static final int CHANCMD = CHANNEL + 0x04;
    private static final int DMACOUNT = CHANNEL + 0x06;
    private static final int CHANSTS = CHANNEL + 0x08;
    private static final int CHAINADDR = CHANNEL + 0x10;
    private static final int CHANCMP = CHANNEL + 0x18;
    private static final int CHANERR = CHANNEL + 0x28;
    private static final int INTRCTRL_MSIX_VECTOR_CONTROL = 0x08;
    private static final int CHANCTRL_INT_REARM = 0x0001;
    private static final int CHANCTRL_ANY_ERR_ABORT_EN = 0x0008;
    private static final int CHANCMD_RESET = 0x20;
    private static final long CHANSTS_STATUS = 0x7;
    private static final long CHANSTS_DONE = 1;
    private static final long CHANSTS_HALTED = 3;
    private static final int DESC_SIZE = 64;
    private static final int CTL_INT_EN = 1;
    private static final int CTL_COMPL_WRITE = 1 << 3;
    /** Descriptors in the ring: one page of them, so one memcpy moves at most this many chunks per pass. */
    private static final int RING = 63;

    private static final int MSIX_INDEX = 2;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final VfioDevice device;
    private final Iommufd iommufd; // null when the caller owns it
    private final Ioas ioas;
    private final Region bar0;
    private final Duration timeout;
    private final DmaBuffer ring;
    private final long maxTransfer;
    private final Irq msix;
    private long interrupts;
    private boolean closed;

    private IoatDriver(VfioDevice device, Iommufd iommufd, Ioas ioas, DmaBuffer ring, Duration timeout) {
        this.device = device;
        this.iommufd = iommufd;
        this.ioas = ioas;
        this.ring = ring;
        this.timeout = timeout;
        this.bar0 = device.region(0);
        int ver = (int) bar0.read(VER, 1);
        if (ver >>> 4 != 3) {
            throw new IoatException("probe", String.format("I/OAT version 0x%02x is not 3.x", ver));
        }
        int xfercap = (int) bar0.read(XFERCAP, 1) & 0x1f;
        this.maxTransfer = xfercap == 0 ? 1L << 35 : 1L << xfercap; // 0 means 32 GiB
        device.pciConfig().setCommandBits(PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_BUS_MASTER);
        resetChannel();
        bar0.write(INTRCTRL, 1, INTRCTRL_MSIX_VECTOR_CONTROL);
        this.msix = device.irq(MSIX_INDEX);
        msix.enable(1);
        bar0.write(CHANCMP, 8, ring.iova() + (long) RING * DESC_SIZE);
    }

    /**
     * Opens the I/OAT function at {@code pciAddress} (bound to vfio-pci), binds it to a new iommufd,
     * attaches it to a new IOAS and brings the channel up. The driver owns all of them; map the
     * buffers to copy between into {@link #ioas()}.
     */
    public static IoatDriver open(Jvfio jvfio, String pciAddress, Duration timeout) {
        Iommufd iommufd = jvfio.openIommufd();
        VfioDevice dev = null;
        DmaBuffer ring = null;
        try {
            dev = jvfio.openPciDevice(pciAddress);
            dev.bind(iommufd);
            Ioas ioas = iommufd.allocIoas();
            dev.attach(ioas);
            ring = jvfio.allocateDma(4096);
            ring.map(ioas, DmaAccess.READ_WRITE);
            return new IoatDriver(dev, iommufd, ioas, ring, timeout);
        } catch (RuntimeException e) {
            if (ring != null) {
                ring.close();
            }
            if (dev != null) {
                dev.close();
            }
            iommufd.close();
            throw e;
        }
    }

    /**
     * Brings up the channel of {@code device}, already bound and attached to {@code ioas}. The
     * driver takes the device over: {@link #close} detaches and closes it (the iommufd stays).
     */
    public static IoatDriver start(Jvfio jvfio, VfioDevice device, Ioas ioas, Duration timeout) {
        DmaBuffer ring = jvfio.allocateDma(4096);
        try {
            ring.map(ioas, DmaAccess.READ_WRITE);
            return new IoatDriver(device, null, ioas, ring, timeout);
        } catch (RuntimeException e) {
            ring.close();
            throw e;
        }
    }

    /** The IOAS the device is attached to. */
    public Ioas ioas() {
        return ioas;
    }

    /** The largest copy one descriptor does (XFERCAP). */
    public long maxTransfer() {
        return maxTransfer;
    }

    /** MSI-X interrupts seen so far (one per completed memcpy pass). */
    public synchronized long interrupts() {
        return interrupts;
    }

    /**
     * Copies {@code size} bytes from {@code srcIova} to {@code dstIova} through the engine and waits
     * for the channel's interrupt. An IoatException names CHANERR when the channel halted (an
     * unmapped IOVA, say); the channel is reset and usable again.
     */
    public synchronized void memcpy(long srcIova, long dstIova, long size) {
        checkOpen();
        if (size <= 0) {
            throw new IllegalArgumentException("memcpy of " + size + " bytes");
        }
        long done = 0;
        while (done < size) {
            done += pass(srcIova + done, dstIova + done, size - done);
        }
    }

    /** One chain of up to RING descriptors; returns the bytes it copied. */
    private long pass(long src, long dst, long size) {
        MemorySegment s = ring.segment();
        long base = ring.iova();
        int n = 0;
        long bytes = 0;
        while (n < RING && bytes < size) {
            long chunk = Math.min(maxTransfer, size - bytes);
            boolean last = n == RING - 1 || bytes + chunk == size;
            long at = (long) n * DESC_SIZE;
            s.asSlice(at, DESC_SIZE).fill((byte) 0);
            s.set(ValueLayout.JAVA_INT, at, (int) chunk);
            s.set(ValueLayout.JAVA_INT, at + 4, last ? CTL_INT_EN | CTL_COMPL_WRITE : 0);
            s.set(ValueLayout.JAVA_LONG, at + 8, src + bytes);
            s.set(ValueLayout.JAVA_LONG, at + 16, dst + bytes);
            s.set(ValueLayout.JAVA_LONG, at + 24, base + (n + 1L) * DESC_SIZE);
            bytes += chunk;
            n++;
        }
        long completion = (long) RING * DESC_SIZE;
        LONG.setVolatile(s, completion, 0L);
        VarHandle.fullFence(); // the descriptors are in memory before the device is told
        bar0.write(CHAINADDR, 8, base);
        bar0.write(CHANCTRL, 2, CHANCTRL_INT_REARM | CHANCTRL_ANY_ERR_ABORT_EN);
        bar0.write(DMACOUNT, 2, n);
        long lastDescriptor = base + (n - 1L) * DESC_SIZE;
        long deadline = System.nanoTime() + timeout.toNanos();
        long got = 0;
        while (true) {
            long status = (long) LONG.getVolatile(s, completion);
            if (status == (lastDescriptor | CHANSTS_DONE)) {
                // The writeback comes before the interrupt: take the interrupt too.
                interrupts += got > 0 ? got : msix.await(0, timeout);
                return bytes;
            }
            long chansts = bar0.read(CHANSTS, 8);
            if ((chansts & CHANSTS_STATUS) == CHANSTS_HALTED) {
                long chanerr = bar0.read(CHANERR, 4);
                resetChannel();
                throw new IoatException(
                        "memcpy", String.format("channel halted, CHANERR 0x%x (CHANSTS 0x%x)", chanerr, chansts));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IoatException("memcpy", "no completion within " + timeout.toMillis() + " ms");
            }
            got += msix.await(0, Duration.ofMillis(1));
        }
    }

    /** CHANERR cleared, CHANCMD.RESET, and the wait for the channel to come back halted. */
    private void resetChannel() {
        bar0.write(CHANERR, 4, bar0.read(CHANERR, 4));
        bar0.write(CHANCMD, 1, CHANCMD_RESET);
        long deadline = System.nanoTime() + timeout.toNanos();
        while ((bar0.read(CHANCMD, 1) & CHANCMD_RESET) != 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new IoatException("reset", "CHANCMD.RESET still set after " + timeout.toMillis() + " ms");
            }
            LockSupport.parkNanos(100_000);
        }
        // A channel reset clears CHANCMP: program it again.
        if (ring != null && msix != null) {
            bar0.write(CHANCMP, 8, ring.iova() + (long) RING * DESC_SIZE);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("I/OAT driver closed");
        }
    }

    /** Resets the channel, disables MSI-X and releases the ring, the device and the iommufd. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            resetChannel();
            msix.disable();
            ring.close();
            device.detach();
        } finally {
            device.close();
            if (iommufd != null) {
                iommufd.close();
            }
        }
    }
}
