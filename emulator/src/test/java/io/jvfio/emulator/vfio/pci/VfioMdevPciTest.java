package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.CopyEngine.*;
import static io.jvfio.emulator.pci.PciRegs.*;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.pci.CopyEngine;
import io.jvfio.emulator.vfio.TestMachine;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * vfio-mdev-pci end to end through the kernel boundary: bind the function to the wrapper, create
 * its mdev through sysfs, open its cdev, bind and attach to an IOAS, and have the function copy
 * between two mapped pages, which it reaches only through the mdev's access object.
 */
class VfioMdevPciTest {
    private static final String BDF = "0000:00:04.0";
    private static final String UUID = "a297db4a-f4c2-11e6-90f6-d3b88d6c9525";
    private static final long IOVA = 0x200000;

    private final TestMachine m =
            TestMachine.withFunctions(CopyEngine.create(0x0002).function());

    @Test
    void theWrappedFunctionDmasThroughTheMdevsAccessObject() {
        m.bind(BDF, "vfio-mdev-pci");
        String types = "/sys/bus/pci/devices/" + BDF + "/mdev_supported_types/vfio-mdev-pci-1";
        m.write(types + "/create", UUID);
        // one instance per function
        assertThat(errno(() -> m.write(types + "/create", "a297db4a-f4c2-11e6-90f6-d3b88d6c9526")))
                .isEqualTo(Errno.EUSERS);

        TestMachine.Iommufd iommufd = m.openIommufd();
        int ioas = iommufd.ioasAlloc();
        MemorySegment buf = iommufd.buffer(2 * Linux.PAGE_SIZE);
        iommufd.mapFixed(ioas, buf.address(), buf.byteSize(), IOVA);
        int dfd = m.openBound("/dev/vfio/devices/vfio0", iommufd.fd);
        m.attach(dfd, ioas);

        for (int i = 0; i < 2048; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (i ^ 0x5a));
        }
        long config = 7L << VfioPciCoreDevice.OFFSET_SHIFT;
        m.pwrite(dfd, config + COMMAND, 2, COMMAND_MEMORY | COMMAND_MASTER);
        m.pwrite(dfd, SOURCE, 4, IOVA);
        m.pwrite(dfd, DESTINATION, 4, IOVA + Linux.PAGE_SIZE);
        m.pwrite(dfd, LENGTH, 4, 2048);
        m.pwrite(dfd, GO, 4, 1);
        assertThat(m.pread(dfd, FAULTS, 4)).isZero();
        assertThat(buf.asSlice(Linux.PAGE_SIZE, 2048).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(buf.asSlice(0, 2048).toArray(ValueLayout.JAVA_BYTE));

        // Beyond the IOAS the access refuses: the function sees a fault.
        m.pwrite(dfd, DESTINATION, 4, 0x400000);
        m.pwrite(dfd, GO, 4, 1);
        assertThat(m.pread(dfd, FAULTS, 4)).isEqualTo(1);

        m.kernel.close(dfd);
        m.write("/sys/bus/pci/devices/" + BDF + "/" + UUID + "/remove", "1");
        m.unbind(BDF);
        iommufd.close();
    }
}
