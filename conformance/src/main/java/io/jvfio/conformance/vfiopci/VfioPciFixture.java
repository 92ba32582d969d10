package io.jvfio.conformance.vfiopci;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.conformance.Conformance;
import io.jvfio.conformance.TestDevices;
import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.PollFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * A device owned through vfio-pci's cdev and bound to an iommufd with one IOAS attached. On the
 * emulated backend the default platform's device is bound to vfio-pci through sysfs, as the test
 * VM does for the real one; on the native backend the device comes from the VM's environment
 * ({@code JVFIO_EDU_CDEV}, {@code JVFIO_NVME_CDEV}) and the test is skipped without it.
 */
@Conformance
abstract class VfioPciFixture {
    static final long PAGE = Linux.PAGE_SIZE;

    final Arena arena = Arena.ofShared();
    private final List<MemorySegment> mappings = new ArrayList<>();
    Kernel k;
    TestDevices.Located located;
    int iommufd = -1;
    int dev = -1;
    /** The iommufd device ID (VFIO_DEVICE_BIND_IOMMUFD's out_devid). */
    int devId;

    int ioas;
    long cfg;

    /** Opens the test device of {@code kind} through its cdev, bound to a new iommufd with one IOAS. */
    void open(Kernel kernel, TestDevices.Kind kind) {
        k = kernel;
        located = TestDevices.locate(k, kind);
        dev = k.open(located.cdev(), Linux.O.RDWR);
        iommufd = k.open("/dev/iommu", Linux.O.RDWR);
        MemorySegment bind = arena.allocate(VfioDeviceBindIommufd.DEF.size());
        VfioDeviceBindIommufd.ARGSZ.set(bind, (int) VfioDeviceBindIommufd.DEF.size());
        VfioDeviceBindIommufd.IOMMUFD.set(bind, iommufd);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind);
        devId = VfioDeviceBindIommufd.OUT_DEVID.get(bind);
        MemorySegment alloc = arena.allocate(IommuIoasAlloc.DEF.size());
        IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.DEF.size());
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, alloc);
        ioas = IommuIoasAlloc.OUT_IOAS_ID.get(alloc);
        MemorySegment attach = arena.allocate(VfioDeviceAttachIommufdPt.DEF.size());
        VfioDeviceAttachIommufdPt.ARGSZ.set(attach, (int) VfioDeviceAttachIommufdPt.DEF.size());
        VfioDeviceAttachIommufdPt.PT_ID.set(attach, ioas);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);
        cfg = VfioRegionInfo.OFFSET.get(regionInfo(VfioConst.VFIO_PCI_CONFIG_REGION_INDEX));
    }

    @AfterEach
    void closeAll() {
        if (dev >= 0) {
            k.close(dev);
        }
        if (iommufd >= 0) {
            k.close(iommufd);
        }
        for (MemorySegment m : mappings) {
            k.munmap(m);
        }
        arena.close();
    }

    MemorySegment regionInfo(int index) {
        MemorySegment info = arena.allocate(VfioRegionInfo.DEF.size());
        VfioRegionInfo.ARGSZ.set(info, (int) VfioRegionInfo.DEF.size());
        VfioRegionInfo.INDEX.set(info, index);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_GET_REGION_INFO, info);
        return info;
    }

    /** Anonymous memory mapped for DMA at a fixed IOVA. */
    MemorySegment dmaBuffer(long length, long iova) {
        MemorySegment buf =
                k.mmap(length, Linux.Prot.READ | Linux.Prot.WRITE, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
        mappings.add(buf);
        MemorySegment map = arena.allocate(IommuIoasMap.DEF.size());
        IommuIoasMap.SIZE.set(map, (int) IommuIoasMap.DEF.size());
        IommuIoasMap.FLAGS.set(
                map, IommuIoasMap.FLAG_FIXED_IOVA | IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE);
        IommuIoasMap.IOAS_ID.set(map, ioas);
        IommuIoasMap.USER_VA.set(map, buf.address());
        IommuIoasMap.LENGTH.set(map, length);
        IommuIoasMap.IOVA.set(map, iova);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP, map);
        return buf;
    }

    void pwrite(long pos, int size, long value) {
        MemorySegment b = arena.allocate(8);
        b.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        k.pwrite(dev, b.asSlice(0, size), pos);
    }

    long pread(long pos, int size) {
        MemorySegment b = arena.allocate(8);
        k.pread(dev, b.asSlice(0, size), pos);
        long v = b.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        return size == 8 ? v : v & ((1L << (8 * size)) - 1);
    }

    /** Sets Command bits through the config region. */
    void enableCommand(int bits) {
        pwrite(cfg + 4, 2, pread(cfg + 4, 2) | bits);
    }

    /** An eventfd set as the trigger of vector 0 of {@code index}. */
    int trigger(int index) {
        int efd = k.eventfd(0, Linux.Efd.NONBLOCK);
        setIrqEventfd(VfioIrqSet.ACTION_TRIGGER, index, efd);
        return efd;
    }

    /** SET_IRQS of one eventfd ({@code efd}, or -1) with {@code action} on vector 0 of {@code index}. */
    void setIrqEventfd(int action, int index, int efd) {
        MemorySegment irq = arena.allocate(24);
        VfioIrqSet.ARGSZ.set(irq, 24);
        VfioIrqSet.FLAGS.set(irq, VfioIrqSet.DATA_EVENTFD | action);
        VfioIrqSet.INDEX.set(irq, index);
        VfioIrqSet.COUNT.set(irq, 1);
        irq.set(ValueLayout.JAVA_INT_UNALIGNED, 20, efd);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_SET_IRQS, irq);
    }

    /** Adds 1 to an eventfd, as user space signals it. */
    void signal(int efd) {
        MemorySegment one = arena.allocate(8);
        one.set(ValueLayout.JAVA_LONG, 0, 1);
        k.write(efd, one);
    }

    /** The function's real config register at {@code offset}, read through sysfs (not vfio-pci's view). */
    int hwConfig(int offset, int size) {
        int fd = k.open("/sys/bus/pci/devices/" + located.bdf() + "/config", Linux.O.RDONLY);
        try {
            MemorySegment b = arena.allocate(4);
            k.pread(fd, b.asSlice(0, size), offset);
            int v = b.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
            return size == 4 ? v : v & ((1 << (8 * size)) - 1);
        } finally {
            k.close(fd);
        }
    }

    /** Waits up to 5 s for {@code efd} and takes its count (0 on timeout). */
    long awaitEventfd(int efd) {
        k.poll(List.of(new PollFd(efd, (short) Linux.Poll.IN)), 5000);
        MemorySegment c = arena.allocate(8);
        try {
            k.read(efd, c);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EAGAIN) {
                return 0;
            }
            throw e;
        }
        return c.get(ValueLayout.JAVA_LONG, 0);
    }

    /** Polls {@code pos} until {@code (value & mask) == 0}, for at most 5 s. */
    void awaitClear(long pos, int size, long mask) throws InterruptedException {
        await(() -> (pread(pos, size) & mask) == 0);
    }

    /** Polls {@code done} for at most 5 s (the kernel may act from a workqueue). */
    static void await(java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }
}
