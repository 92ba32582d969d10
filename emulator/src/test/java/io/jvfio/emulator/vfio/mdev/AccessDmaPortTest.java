package io.jvfio.emulator.vfio.mdev;

import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.iommufd.IommufdAccess;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.vfio.pci.VfioPciCoreDevice;
import io.jvfio.emulator.vfio.pci.VfioPciOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The mdev path to memory: a vfio-pci core device whose DMA goes through an iommufd access object
 * attached to the user's IOAS, with no IOMMU domain involved.
 */
class AccessDmaPortTest {
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

    @Test
    void dmaReachesExactlyTheIoasThroughTheAccess() {
        EmulatedKernel k = EmulatedKernel.create();
        Arena arena = Arena.ofShared();
        CopyEngine engine = new CopyEngine();
        engine.fn = PciFunction.builder(0x1234, 0x0002)
                .memoryBar(0, 0x1000, false, false, engine)
                .build();
        PciTopology t = PciTopology.build(List.of(PciNode.endpoint(4, 0, engine.fn)));

        int fd = k.open("/dev/iommu", Linux.O.RDWR);
        MemorySegment alloc = arena.allocate(IommuIoasAlloc.DEF.size());
        IommuIoasAlloc.SIZE.set(alloc, (int) IommuIoasAlloc.DEF.size());
        k.ioctl(fd, IommufdIoctl.IOMMU_IOAS_ALLOC, alloc);
        int ioas = IommuIoasAlloc.OUT_IOAS_ID.get(alloc);
        MemorySegment buf = k.mmap(
                2 * Linux.PAGE_SIZE,
                Linux.Prot.READ | Linux.Prot.WRITE,
                Linux.Map.PRIVATE | Linux.Map.ANONYMOUS,
                -1,
                0);
        MemorySegment map = arena.allocate(IommuIoasMap.DEF.size());
        IommuIoasMap.SIZE.set(map, (int) IommuIoasMap.DEF.size());
        IommuIoasMap.FLAGS.set(
                map, IommuIoasMap.FLAG_FIXED_IOVA | IommuIoasMap.FLAG_READABLE | IommuIoasMap.FLAG_WRITEABLE);
        IommuIoasMap.IOAS_ID.set(map, ioas);
        IommuIoasMap.USER_VA.set(map, buf.address());
        IommuIoasMap.LENGTH.set(map, 2 * Linux.PAGE_SIZE);
        IommuIoasMap.IOVA.set(map, 0x200000);
        k.ioctl(fd, IommufdIoctl.IOMMU_IOAS_MAP, map);

        IommufdCtx ictx = IommufdCtx.fromFd(k, fd);
        IommufdAccess access = IommufdAccess.create(ictx, new IommufdAccess.Ops() {
            @Override
            public boolean needsPinPages() {
                return false;
            }

            @Override
            public void unmap(long iova, long length) {}
        });
        access.attach(ioas);
        VfioPciCoreDevice vdev = new VfioPciCoreDevice(engine.fn, t, k, VfioPciOptions.DEFAULTS);
        vdev.open(new AccessDmaPort(access));

        for (int i = 0; i < 1024; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i ^ 0x5a));
        }
        MemorySegment reg = arena.allocate(8);
        reg.set(ValueLayout.JAVA_SHORT, 0, (short) (COMMAND_MEMORY | COMMAND_MASTER));
        vdev.write(null, reg.asSlice(0, 2), (7L << 40) + COMMAND);
        long[][] writes = {{0x00, 0x200000}, {0x08, 0x201000}, {0x10, 1024}, {0x18, 1}};
        for (long[] w : writes) {
            reg.set(ValueLayout.JAVA_LONG, 0, w[1]);
            vdev.write(null, reg.asSlice(0, 4), w[0]);
        }
        assertThat(buf.asSlice(Linux.PAGE_SIZE, 1024).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(buf.asSlice(0, 1024).toArray(ValueLayout.JAVA_BYTE));
        assertThat(engine.faults).isZero();

        // Outside the IOAS: the access refuses, the device sees a fault, memory is untouched.
        reg.set(ValueLayout.JAVA_LONG, 0, 0x400000);
        vdev.write(null, reg.asSlice(0, 4), 0x08);
        reg.set(ValueLayout.JAVA_LONG, 0, 1);
        vdev.write(null, reg.asSlice(0, 4), 0x18);
        assertThat(engine.faults).isEqualTo(1);

        vdev.close();
        access.destroyAccess();
        ictx.put();
        k.close(fd);
        k.munmap(buf);
        arena.close();
    }
}
