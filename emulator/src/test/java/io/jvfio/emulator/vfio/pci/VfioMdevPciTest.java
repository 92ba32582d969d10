package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * vfio-mdev-pci end to end through the kernel boundary: bind the function to the wrapper, create
 * its mdev through sysfs, open its cdev, bind and attach to an IOAS, and have the function copy
 * between two mapped pages, which it reaches only through the mdev's access object.
 */
class VfioMdevPciTest {
    private static final String UUID = "a297db4a-f4c2-11e6-90f6-d3b88d6c9525";
    private static final long IOVA = 0x200000;

    /** Registers: 0x00 source IOVA, 0x08 destination IOVA, 0x10 length, 0x18 go, 0x20 faults. */
    private static final class CopyEngine implements MmioHandler {
        PciFunction fn;
        long src;
        long dst;
        long len;
        long faults;

        @Override
        public long read(long offset, int size) {
            return offset == 0x20 ? faults : 0;
        }

        @Override
        public void write(long offset, int size, long value) {
            switch ((int) offset) {
                case 0x00 -> src = value;
                case 0x08 -> dst = value;
                case 0x10 -> len = value;
                case 0x18 -> {
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment tmp = a.allocate(len);
                        fn.dma().read(src, tmp);
                        fn.dma().write(dst, tmp);
                    } catch (DmaFaultException e) {
                        faults++;
                    }
                }
                default -> {}
            }
        }
    }

    private final Arena arena = Arena.ofAuto();
    private final CopyEngine engine = new CopyEngine();
    private final SysfsMachine machine;
    private final EmulatedKernel k;

    VfioMdevPciTest() {
        engine.fn = PciFunction.builder(0x1234, 0x0002)
                .memoryBar(0, 0x1000, false, false, engine)
                .build();
        machine = new SysfsMachine(engine.fn);
        k = machine.kernel;
    }

    private void write(String path, String text) {
        machine.write(path, text);
    }

    private void pwrite(int fd, long offset, int size, long value) {
        MemorySegment v = arena.allocate(8);
        v.set(ValueLayout.JAVA_LONG, 0, value);
        assertThat(k.pwrite(fd, v.asSlice(0, size), offset)).isEqualTo(size);
    }

    private long pread(int fd, long offset, int size) {
        MemorySegment v = arena.allocate(8);
        assertThat(k.pread(fd, v.asSlice(0, size), offset)).isEqualTo(size);
        return v.get(ValueLayout.JAVA_LONG, 0);
    }

    @Test
    void theWrappedFunctionDmasThroughTheMdevsAccessObject() {
        machine.bind("0000:00:04.0", "vfio-mdev-pci");
        String types = "/sys/bus/pci/devices/0000:00:04.0/mdev_supported_types/vfio-mdev-pci-1";
        write(types + "/create", UUID);
        // one instance per function
        try {
            write(types + "/create", "a297db4a-f4c2-11e6-90f6-d3b88d6c9526");
            throw new AssertionError("a second mdev was created");
        } catch (ErrnoException e) {
            assertThat(e.errno()).isEqualTo(Errno.EUSERS);
        }

        int iommufd = k.open("/dev/iommu", Linux.O.RDWR);
        MemorySegment alloc = IommuIoasAlloc.DEF.allocate(arena);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, alloc);
        int ioas = IommuIoasAlloc.OUT_IOAS_ID.get(alloc);
        MemorySegment buf = k.mmap(
                2 * Linux.PAGE_SIZE,
                Linux.Prot.READ | Linux.Prot.WRITE,
                Linux.Map.PRIVATE | Linux.Map.ANONYMOUS,
                -1,
                0);
        MemorySegment map = IommuIoasMap.DEF.allocate(arena);
        IommuIoasMap.FLAGS.set(
                map, IommuIoasMap.FLAG_FIXED_IOVA | IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE);
        IommuIoasMap.IOAS_ID.set(map, ioas);
        IommuIoasMap.USER_VA.set(map, buf.address());
        IommuIoasMap.LENGTH.set(map, 2 * Linux.PAGE_SIZE);
        IommuIoasMap.IOVA.set(map, IOVA);
        k.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP, map);

        int dfd = k.open("/dev/vfio/devices/vfio0", Linux.O.RDWR);
        MemorySegment bind = VfioDeviceBindIommufd.DEF.allocate(arena);
        VfioDeviceBindIommufd.IOMMUFD.set(bind, iommufd);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind);
        MemorySegment attach = VfioDeviceAttachIommufdPt.DEF.allocate(arena);
        VfioDeviceAttachIommufdPt.PT_ID.set(attach, ioas);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);

        for (int i = 0; i < 2048; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i ^ 0x5a));
        }
        long config = 7L << VfioPciCoreDevice.OFFSET_SHIFT;
        pwrite(dfd, config + COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);
        pwrite(dfd, 0x00, 4, IOVA);
        pwrite(dfd, 0x08, 4, IOVA + Linux.PAGE_SIZE);
        pwrite(dfd, 0x10, 4, 2048);
        pwrite(dfd, 0x18, 4, 1);
        assertThat(pread(dfd, 0x20, 4)).isZero();
        assertThat(buf.asSlice(Linux.PAGE_SIZE, 2048).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(buf.asSlice(0, 2048).toArray(ValueLayout.JAVA_BYTE));

        // Beyond the IOAS the access refuses: the function sees a fault.
        pwrite(dfd, 0x08, 4, 0x400000);
        pwrite(dfd, 0x18, 4, 1);
        assertThat(pread(dfd, 0x20, 4)).isEqualTo(1);

        k.close(dfd);
        write("/sys/bus/pci/devices/0000:00:04.0/" + UUID + "/remove", "1");
        write("/sys/bus/pci/devices/0000:00:04.0/driver/unbind", "0000:00:04.0\n");
        k.close(iommufd);
        k.munmap(buf);
    }
}
