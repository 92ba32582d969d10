package io.jvfio.conformance.vfiopci;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceIoeventfd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.conformance.TestDevices;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * VFIO_DEVICE_IOEVENTFD on QEMU's edu: a signal of the eventfd writes the liveness register
 * (which reads back inverted; edu ignores accesses other than 4 bytes there), the validation and
 * its errno in the kernel's order, and the per-device limit.
 */
class IoeventfdTest extends VfioPciFixture {
    private static final int COMMAND_MEMORY = 0x2;
    private static final long LIVENESS = 0x04;
    private static final long BAR0_SIZE = 1 << 20;

    private int efd = -1;

    @BeforeEach
    void openEdu(Kernel kernel) {
        open(kernel, TestDevices.Kind.EDU);
        efd = k.eventfd(0, Linux.Efd.NONBLOCK);
    }

    private void ioeventfd(int argsz, int flags, long offset, long data, int fd) {
        MemorySegment s = arena.allocate(VfioDeviceIoeventfd.DEF.size());
        VfioDeviceIoeventfd.ARGSZ.set(s, argsz);
        VfioDeviceIoeventfd.FLAGS.set(s, flags);
        VfioDeviceIoeventfd.OFFSET.set(s, offset);
        VfioDeviceIoeventfd.DATA.set(s, data);
        VfioDeviceIoeventfd.FD.set(s, fd);
        k.ioctl(dev, VfioIoctl.VFIO_DEVICE_IOEVENTFD, s);
    }

    private void ioeventfd(int flags, long offset, long data, int fd) {
        ioeventfd((int) VfioDeviceIoeventfd.DEF.size(), flags, offset, data, fd);
    }

    @Test
    void signalWritesTheRegister() throws InterruptedException {
        enableCommand(COMMAND_MEMORY);
        ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, 0x12345678L, efd);
        pwrite(LIVENESS, 4, 0);
        signal(efd);
        await(() -> pread(LIVENESS, 4) == 0xedcba987L);
        assertThat(pread(LIVENESS, 4)).isEqualTo(0xedcba987L);
        // The kernel consumed the signal: nothing is left for a reader.
        assertThat(errno(() -> k.read(efd, arena.allocate(8)))).isEqualTo(Errno.EAGAIN);
        ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, 0x12345678L, -1);
        pwrite(LIVENESS, 4, 0);
        signal(efd);
        assertThat(pread(LIVENESS, 4)).isEqualTo(0xffffffffL);
        assertThat(awaitEventfd(efd)).isEqualTo(1); // no longer consumed
    }

    @Test
    void aPendingSignalWritesAtRegistration() throws InterruptedException {
        enableCommand(COMMAND_MEMORY);
        pwrite(LIVENESS, 4, 0);
        signal(efd);
        ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, 0x00ffL, efd);
        await(() -> pread(LIVENESS, 4) == 0xffffff00L);
        assertThat(pread(LIVENESS, 4)).isEqualTo(0xffffff00L);
    }

    @Test
    void writesAreDroppedWhileMemoryIsDisabled() throws InterruptedException {
        enableCommand(COMMAND_MEMORY);
        pwrite(LIVENESS, 4, 0);
        ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, 0x5a5a5a5aL, efd);
        pwrite(cfg + 4, 2, pread(cfg + 4, 2) & ~COMMAND_MEMORY);
        signal(efd);
        Thread.sleep(50);
        enableCommand(COMMAND_MEMORY);
        assertThat(pread(LIVENESS, 4)).isEqualTo(0xffffffffL);
    }

    @Test
    void validationOrderAndErrno() {
        int size32 = VfioDeviceIoeventfd.IOEVENTFD_32;
        long config = (long) VfioConst.VFIO_PCI_CONFIG_REGION_INDEX << 40;
        assertThat(errno(() -> ioeventfd(27, size32, LIVENESS, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> ioeventfd(0x10 | size32, LIVENESS, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> ioeventfd(0, LIVENESS, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> ioeventfd(3, LIVENESS, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> ioeventfd(size32, LIVENESS, 1, -2))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> ioeventfd(size32, config, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> ioeventfd(size32, BAR0_SIZE - 2, 1, efd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> ioeventfd(size32, 1L << 40, 1, efd))).isEqualTo(Errno.EINVAL); // no BAR1
        assertThat(errno(() -> ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_64, LIVENESS, 1, efd)))
                .isEqualTo(Errno.EINVAL);
        // Bad fds are found only once the arguments are checked.
        assertThat(errno(() -> ioeventfd(size32, LIVENESS, 1, 1_000_000))).isEqualTo(Errno.EBADF);
        assertThat(errno(() -> ioeventfd(size32, LIVENESS, 1, iommufd))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> ioeventfd(size32, LIVENESS, 1, -1))).isEqualTo(Errno.ENODEV);
    }

    @Test
    void duplicatesAreEexistAndRemovalIsExact() {
        int size32 = VfioDeviceIoeventfd.IOEVENTFD_32;
        ioeventfd(size32, LIVENESS, 1, efd);
        int other = k.eventfd(0, 0);
        try {
            assertThat(errno(() -> ioeventfd(size32, LIVENESS, 1, other))).isEqualTo(Errno.EEXIST);
            // Another size or datum is another registration.
            ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_16, LIVENESS, 1, other);
            ioeventfd(size32, LIVENESS, 2, other);
        } finally {
            k.close(other);
        }
        // Closing an eventfd stops its writes but keeps the registration.
        assertThat(errno(() -> ioeventfd(size32, LIVENESS, 2, efd))).isEqualTo(Errno.EEXIST);
        ioeventfd(size32, LIVENESS, 2, -1);
        ioeventfd(size32, LIVENESS, 1, -1);
        assertThat(errno(() -> ioeventfd(size32, LIVENESS, 1, -1))).isEqualTo(Errno.ENODEV);
        ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_16, LIVENESS, 1, -1);
    }

    @Test
    void atMostAThousandPerDevice() {
        for (int i = 0; i < 1000; i++) {
            ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, i, efd);
        }
        assertThat(errno(() -> ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, 1000, efd)))
                .isEqualTo(Errno.ENOSPC);
        ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, 0, -1);
        ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, 1000, efd);
    }

    @Test
    void closingTheDeviceRemovesThem() {
        ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, 7, efd);
        k.close(dev);
        dev = -1;
        k.close(iommufd);
        iommufd = -1;
        open(k, TestDevices.Kind.EDU);
        // A registration that survived close would make this EEXIST.
        ioeventfd(VfioDeviceIoeventfd.IOEVENTFD_32, LIVENESS, 7, efd);
    }

    @AfterEach
    void closeEventfd() {
        if (efd >= 0) {
            k.close(efd);
        }
    }
}
