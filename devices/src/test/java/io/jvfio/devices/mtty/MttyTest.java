package io.jvfio.devices.mtty;

import static io.jvfio.abi.vfio.VfioConst.*;
import static io.jvfio.devices.mtty.MttyDevice.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.vfio.TestMachine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The mtty sample through the kernel boundary: types, creation, config space, the loopback UART, MSI. */
class MttyTest {
    private static final String TYPES = "/sys/class/mdev_bus/mtty/mdev_supported_types";
    private static final String UUID = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";

    private final TestMachine m = TestMachine.on(EmulatedKernel.create());
    private final EmulatedKernel k = m.kernel;
    private final Arena arena = Arena.ofAuto();

    @Test
    void aDualPortMttyLoopsBackWhatIsTransmittedAndSignalsMsi() {
        k.modprobe("mtty");
        assertThat(m.read(TYPES + "/mtty-1/available_instances")).isEqualTo("24\n");
        assertThat(m.read(TYPES + "/mtty-2/name")).isEqualTo("Dual port serial\n");
        m.write(TYPES + "/mtty-2/create", UUID);
        assertThat(m.read(TYPES + "/mtty-1/available_instances")).isEqualTo("22\n");
        assertThat(m.read(TYPES + "/mtty-2/available_instances")).isEqualTo("11\n");

        int iommufd = m.open("/dev/iommu");
        int dfd = m.openBound("/dev/vfio/devices/vfio0", iommufd);

        MemorySegment region = VfioRegionInfo.DEF.allocate(arena);
        VfioRegionInfo.INDEX.set(region, 1);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_GET_REGION_INFO, region);
        assertThat(VfioRegionInfo.SIZE.get(region)).isEqualTo(IO_BAR_SIZE);
        long bar1 = VfioRegionInfo.OFFSET.get(region);
        long config = (long) VFIO_PCI_CONFIG_REGION_INDEX << 40;
        assertThat(m.pread(dfd, config, 4)).isEqualTo(0x32534348L);
        assertThat(m.pread(dfd, config + 0x09, 1)).isEqualTo(0x02); // 16550-compatible

        // MSI before GET_INFO is EINVAL: the sample validates against the num_irqs GET_INFO saved.
        int efd = k.eventfd(0, Linux.O.NONBLOCK);
        MemorySegment irqs = VfioIrqSet.DEF.allocate(arena, 4);
        VfioIrqSet.FLAGS.set(irqs, VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER);
        VfioIrqSet.INDEX.set(irqs, VFIO_PCI_MSI_IRQ_INDEX);
        VfioIrqSet.COUNT.set(irqs, 1);
        irqs.set(ValueLayout.JAVA_INT, VfioIrqSet.DEF.minSize(), efd);
        try {
            k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_SET_IRQS, irqs);
            throw new AssertionError("SET_IRQS before GET_INFO succeeded");
        } catch (ErrnoException e) {
            assertThat(e.errno()).isEqualTo(Errno.EINVAL);
        }
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_GET_INFO, io.jvfio.abi.vfio.VfioDeviceInfo.DEF.allocate(arena));
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_SET_IRQS, irqs);

        m.pwrite(dfd, bar1 + UART_FCR, 1, UART_FCR_ENABLE_FIFO);
        m.pwrite(dfd, bar1 + UART_IER, 1, UART_IER_RDI);
        assertThat(m.pread(dfd, bar1 + UART_LSR, 1)).isEqualTo(UART_LSR_TEMT | UART_LSR_THRE);
        byte[] text = "hello, mtty".getBytes(StandardCharsets.US_ASCII);
        for (byte b : text) {
            m.pwrite(dfd, bar1 + UART_TX, 1, b);
        }
        assertThat(m.pread(dfd, bar1 + UART_LSR, 1)).isEqualTo(UART_LSR_DR);
        assertThat(m.pread(dfd, bar1 + UART_IIR, 1)).isEqualTo(0xc0 | UART_IIR_RDI);
        assertThat(m.eventCount(efd)).isEqualTo(1); // the FIFO reached its level once
        byte[] back = new byte[text.length];
        for (int i = 0; i < back.length; i++) {
            back[i] = (byte) m.pread(dfd, bar1 + UART_RX, 1);
        }
        assertThat(back).isEqualTo(text);
        assertThat(m.pread(dfd, bar1 + UART_LSR, 1)).isEqualTo(UART_LSR_TEMT | UART_LSR_THRE);
        // the other port's FIFO is its own
        assertThat(m.pread(dfd, UART_LSR, 1)).isEqualTo(UART_LSR_TEMT | UART_LSR_THRE);

        // Divisor latch: DLAB routes RX/TX and IER to the divisor.
        m.pwrite(dfd, bar1 + UART_LCR, 1, UART_LCR_DLAB);
        m.pwrite(dfd, bar1 + UART_TX, 1, 0x0c);
        m.pwrite(dfd, bar1 + UART_IER, 1, 0x01);
        assertThat(m.pread(dfd, bar1 + UART_RX, 1)).isEqualTo(0x0c);
        assertThat(m.pread(dfd, bar1 + UART_IER, 1)).isEqualTo(0x01);

        k.close(dfd);
        k.close(efd);
        m.write("/sys/bus/mdev/devices/" + UUID + "/remove", "1");
        assertThat(m.read(TYPES + "/mtty-1/available_instances")).isEqualTo("24\n");
        k.close(iommufd);
    }

    @Test
    @DisplayName(
            "closed in RESUMING and opened again, the state stays and leaving it is EINVAL (7.2's sample oopses there)")
    void closedWhileResuming() {
        k.modprobe("mtty");
        m.write(TYPES + "/mtty-2/create", UUID);
        int iommufd = m.open("/dev/iommu");
        int dfd = m.openBound("/dev/vfio/devices/vfio0", iommufd);
        assertThat(setState(dfd, VfioDeviceFeatureMigState.STATE_STOP)).isEqualTo(-1);
        int resume = setState(dfd, VfioDeviceFeatureMigState.STATE_RESUMING);
        assertThat(resume).isNotNegative();
        k.close(dfd);
        dfd = m.openBound("/dev/vfio/devices/vfio0", iommufd);
        assertThat(getState(dfd)).isEqualTo(VfioDeviceFeatureMigState.STATE_RESUMING);
        for (int target : new int[] {VfioDeviceFeatureMigState.STATE_STOP, VfioDeviceFeatureMigState.STATE_RUNNING}) {
            try {
                setState(dfd, target);
                throw new AssertionError("left RESUMING without a resuming file");
            } catch (ErrnoException e) {
                assertThat(e.errno()).isEqualTo(Errno.EINVAL);
            }
            assertThat(getState(dfd)).isEqualTo(VfioDeviceFeatureMigState.STATE_RESUMING);
        }
        // the old file was disabled at the close
        try {
            k.write(resume, arena.allocate(1));
            throw new AssertionError("wrote a disabled resuming file");
        } catch (ErrnoException e) {
            assertThat(e.errno()).isEqualTo(Errno.ENODEV);
        }
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_RESET, 0L);
        assertThat(getState(dfd)).isEqualTo(VfioDeviceFeatureMigState.STATE_RUNNING);
        k.close(resume);
        k.close(dfd);
        m.write("/sys/bus/mdev/devices/" + UUID + "/remove", "1");
        k.close(iommufd);
    }

    private MemorySegment migState(int flags, int state) {
        MemorySegment f = arena.allocate(VfioDeviceFeature.DEF.size() + VfioDeviceFeatureMigState.DEF.size(), 8);
        VfioDeviceFeature.ARGSZ.set(f, (int) f.byteSize());
        VfioDeviceFeature.FLAGS.set(f, flags | VfioDeviceFeature.FEATURE_MIG_DEVICE_STATE);
        VfioDeviceFeatureMigState.DEVICE_STATE.set(f.asSlice(VfioDeviceFeature.DEF.size()), state);
        return f;
    }

    /** MIG_DEVICE_STATE SET; the data fd, or -1. */
    private int setState(int dfd, int state) {
        MemorySegment f = migState(VfioDeviceFeature.FEATURE_SET, state);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_FEATURE, f);
        return VfioDeviceFeatureMigState.DATA_FD.get(f.asSlice(VfioDeviceFeature.DEF.size()));
    }

    private int getState(int dfd) {
        MemorySegment f = migState(VfioDeviceFeature.FEATURE_GET, 0);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_FEATURE, f);
        return VfioDeviceFeatureMigState.DEVICE_STATE.get(f.asSlice(VfioDeviceFeature.DEF.size()));
    }
}
