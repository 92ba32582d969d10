package io.jvfio.emulator.vfio.mdev;

import static io.jvfio.emulator.pci.CopyEngine.*;
import static io.jvfio.emulator.pci.PciRegs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.iommufd.IommufdAccess;
import io.jvfio.emulator.iommufd.IommufdCtx;
import io.jvfio.emulator.pci.CopyEngine;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.vfio.TestMachine;
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
    @Test
    void dmaReachesExactlyTheIoasThroughTheAccess() {
        TestMachine m = TestMachine.on(EmulatedKernel.create());
        EmulatedKernel k = m.kernel;
        Arena arena = Arena.ofShared();
        CopyEngine engine = CopyEngine.create(0x0002);
        PciTopology t = PciTopology.build(List.of(PciNode.endpoint(4, 0, engine.function())));

        TestMachine.Iommufd iommufd = m.openIommufd();
        int fd = iommufd.fd;
        int ioas = iommufd.ioasAlloc();
        MemorySegment buf = iommufd.buffer(2 * Linux.PAGE_SIZE);
        iommufd.mapFixed(ioas, buf.address(), buf.byteSize(), 0x200000);

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
        VfioPciCoreDevice vdev = new VfioPciCoreDevice(engine.function(), t, k, VfioPciOptions.DEFAULTS);
        vdev.open(new AccessDmaPort(access));

        for (int i = 0; i < 1024; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i ^ 0x5a));
        }
        MemorySegment reg = arena.allocate(8);
        reg.set(ValueLayout.JAVA_SHORT, 0, (short) (COMMAND_MEMORY | COMMAND_MASTER));
        vdev.write(null, reg.asSlice(0, 2), (7L << 40) + COMMAND);
        long[][] writes = {{SOURCE, 0x200000}, {DESTINATION, 0x201000}, {LENGTH, 1024}, {GO, 1}};
        for (long[] w : writes) {
            reg.set(ValueLayout.JAVA_LONG, 0, w[1]);
            vdev.write(null, reg.asSlice(0, 4), w[0]);
        }
        assertThat(buf.asSlice(Linux.PAGE_SIZE, 1024).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(buf.asSlice(0, 1024).toArray(ValueLayout.JAVA_BYTE));
        assertThat(engine.faults()).isZero();

        // Outside the IOAS: the access refuses, the device sees a fault, memory is untouched.
        reg.set(ValueLayout.JAVA_LONG, 0, 0x400000);
        vdev.write(null, reg.asSlice(0, 4), DESTINATION);
        reg.set(ValueLayout.JAVA_LONG, 0, 1);
        vdev.write(null, reg.asSlice(0, 4), GO);
        assertThat(engine.faults()).isEqualTo(1);

        vdev.close();
        access.destroyAccess();
        ictx.put();
        iommufd.close();
        arena.close();
    }
}
