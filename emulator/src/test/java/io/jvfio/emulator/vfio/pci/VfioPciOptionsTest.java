package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.PciRegs.*;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceIoeventfd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.pci.DmaPort;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.vfio.TestMachine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The module parameters and what each changes: nointxmask (INTx masked with DisINTx, or at the
 * interrupt controller), disable_idle_d3 (an unused device's power state, seen in sysfs
 * power_state), disable_vga (the VGA region). vfio-pci latches them at probe; vfio-mdev-pci reads
 * its own at every open. Also the shared permission tables under concurrent opens and closes.
 */
class VfioPciOptionsTest {
    private static final String BDF = "0000:00:04.0";
    private static final String UUID = "a297db4a-f4c2-11e6-90f6-d3b88d6c9525";
    private static final String VFIO_PCI = "/sys/module/vfio_pci/parameters/";
    private static final String MDEV_PCI = "/sys/module/vfio_mdev_pci/parameters/";

    private final Arena arena = Arena.ofAuto();
    private final PciFunction fn;
    private final TestMachine machine;
    private final EmulatedKernel k;

    VfioPciOptionsTest() {
        // BAR0 offset 0: writing non-zero raises the INTx line, zero lowers it.
        PciFunction[] self = new PciFunction[1];
        MmioHandler line = new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                self[0].setIntx(value != 0);
            }
        };
        fn = PciFunction.builder(0x1234, 0x0003)
                .intx()
                .memoryBar(0, 0x1000, false, false, line)
                .powerManagement(0x40)
                .build();
        self[0] = fn;
        machine = TestMachine.withFunctions(fn);
        k = machine.kernel;
    }

    private void write(String path, String text) {
        machine.write(path, text);
    }

    private String read(String path) {
        return machine.read(path);
    }

    private void bind(String driver) {
        machine.bind(BDF, driver);
    }

    private void unbind() {
        machine.unbind(BDF);
    }

    private String powerState() {
        return read("/sys/bus/pci/devices/" + BDF + "/power_state");
    }

    /** Opens the device's cdev bound to a new iommufd; returns {device fd, iommufd}. */
    private int[] openDevice(String cdev) {
        int dfd = k.open(cdev, Linux.O.RDWR);
        int iommufd = k.open("/dev/iommu", Linux.O.RDWR);
        machine.bindIommufd(dfd, iommufd);
        return new int[] {dfd, iommufd};
    }

    private void closeDevice(int[] fds) {
        k.close(fds[0]);
        k.close(fds[1]);
    }

    private void setIrqs(int dfd, int flags, int fd) {
        MemorySegment irq = arena.allocate(24);
        VfioIrqSet.ARGSZ.set(irq, 24);
        VfioIrqSet.FLAGS.set(irq, flags);
        VfioIrqSet.INDEX.set(irq, VfioConst.VFIO_PCI_INTX_IRQ_INDEX);
        VfioIrqSet.COUNT.set(irq, 1);
        irq.set(ValueLayout.JAVA_INT_UNALIGNED, 20, fd);
        k.ioctl(dfd, VfioIoctl.VFIO_DEVICE_SET_IRQS, irq);
    }

    private long eventfdCount(int efd) {
        MemorySegment c = arena.allocate(8);
        try {
            k.read(efd, c);
        } catch (ErrnoException e) {
            return 0;
        }
        return c.get(ValueLayout.JAVA_LONG, 0);
    }

    private boolean hwIntxDisabled() {
        return (fn.config().read(COMMAND, 2) & COMMAND_INTX_DISABLE) != 0;
    }

    /**
     * Raises INTx twice with the line lowered in between and returns how many interrupts the user
     * saw, leaving the line high and INTx masked.
     */
    private long raiseTwice(int dfd, int trigger) {
        machine.pwrite(dfd, 0, 4, 1);
        machine.pwrite(dfd, 0, 4, 0);
        machine.pwrite(dfd, 0, 4, 1);
        return eventfdCount(trigger);
    }

    @Test
    void parameterFilesOfBothModules() {
        assertThat(k.listDirectory(VFIO_PCI))
                .containsExactlyInAnyOrder(
                        "nointxmask", "disable_vga", "disable_idle_d3", "enable_sriov", "disable_denylist");
        assertThat(k.listDirectory(MDEV_PCI)).containsExactlyInAnyOrder("nointxmask", "disable_vga", "disable_idle_d3");
        assertThat(errno(() -> k.open(MDEV_PCI + "disable_vga", Linux.O.WRONLY)))
                .isEqualTo(Errno.EACCES);
        assertThat(errno(() -> k.open(VFIO_PCI + "disable_vga", Linux.O.RDWR))).isEqualTo(Errno.EACCES);
        write(VFIO_PCI + "enable_sriov", "Y");
        assertThat(read(VFIO_PCI + "enable_sriov")).isEqualTo("Y\n");
    }

    @Test
    void vfioPciLatchesTheOptionsAtProbe() {
        bind("vfio-pci");
        assertThat(powerState()).isEqualTo("D3hot\n");
        write(VFIO_PCI + "nointxmask", "Y");
        write(VFIO_PCI + "disable_idle_d3", "Y");

        // Bound before the writes: PCI 2.3 masking, and D3hot when idle.
        int[] fds = openDevice("/dev/vfio/devices/vfio0");
        assertThat(powerState()).isEqualTo("D0\n");
        int trigger = k.eventfd(0, Linux.Efd.NONBLOCK);
        setIrqs(fds[0], VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER, trigger);
        machine.pwrite(fds[0], (7L << VfioPciCoreDevice.OFFSET_SHIFT) + COMMAND, 2, COMMAND_MEMORY);
        assertThat(raiseTwice(fds[0], trigger)).isEqualTo(1);
        assertThat(hwIntxDisabled()).isTrue();
        closeDevice(fds);
        assertThat(powerState()).isEqualTo("D3hot\n");

        // Bound again: the new values hold.
        unbind();
        bind("vfio-pci");
        assertThat(powerState()).isEqualTo("D0\n");
        fds = openDevice("/dev/vfio/devices/vfio0");
        setIrqs(fds[0], VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER, trigger);
        machine.pwrite(fds[0], (7L << VfioPciCoreDevice.OFFSET_SHIFT) + COMMAND, 2, COMMAND_MEMORY);
        // Masked at the interrupt controller: DisINTx untouched, the second assertion not delivered.
        assertThat(raiseTwice(fds[0], trigger)).isEqualTo(1);
        assertThat(hwIntxDisabled()).isFalse();
        // UNMASK re-enables the line, which is still high: delivered again at once.
        setIrqs(fds[0], VfioIrqSet.DATA_NONE | VfioIrqSet.ACTION_UNMASK, 0);
        assertThat(eventfdCount(trigger)).isEqualTo(1);
        machine.pwrite(fds[0], 0, 4, 0);
        closeDevice(fds);
        assertThat(powerState()).isEqualTo("D0\n");
        k.close(trigger);
        unbind();
    }

    @Test
    void vfioMdevPciRereadsItsOwnParametersAtEachOpen() {
        bind("vfio-mdev-pci");
        write("/sys/bus/pci/devices/" + BDF + "/mdev_supported_types/vfio-mdev-pci-1/create", UUID);
        String cdev = "/dev/vfio/devices/vfio0";
        int trigger = k.eventfd(0, Linux.Efd.NONBLOCK);

        int[] fds = openDevice(cdev);
        setIrqs(fds[0], VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER, trigger);
        machine.pwrite(fds[0], (7L << VfioPciCoreDevice.OFFSET_SHIFT) + COMMAND, 2, COMMAND_MEMORY);
        assertThat(raiseTwice(fds[0], trigger)).isEqualTo(1);
        assertThat(hwIntxDisabled()).isTrue();
        // vfio-pci's parameters are not the wrapper's.
        write(VFIO_PCI + "nointxmask", "Y");
        write(VFIO_PCI + "disable_idle_d3", "Y");
        machine.pwrite(fds[0], 0, 4, 0);
        closeDevice(fds);
        assertThat(powerState()).isEqualTo("D3hot\n");

        write(MDEV_PCI + "nointxmask", "Y");
        write(MDEV_PCI + "disable_idle_d3", "Y");
        fds = openDevice(cdev);
        setIrqs(fds[0], VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER, trigger);
        machine.pwrite(fds[0], (7L << VfioPciCoreDevice.OFFSET_SHIFT) + COMMAND, 2, COMMAND_MEMORY);
        assertThat(raiseTwice(fds[0], trigger)).isEqualTo(1);
        assertThat(hwIntxDisabled()).isFalse();
        machine.pwrite(fds[0], 0, 4, 0);
        closeDevice(fds);
        assertThat(powerState()).isEqualTo("D0\n");
        k.close(trigger);
    }

    @Test
    void theVgaRegionExistsUnlessDisableVga() {
        PciFunction vga =
                PciFunction.builder(0x1234, 0x1111).classCode(0x030000).build();
        PciTopology t = PciTopology.build(List.of(PciNode.endpoint(5, 0, vga)));
        MemorySegment buf = arena.allocate(4);
        long vgaMem = ((long) VfioConst.VFIO_PCI_VGA_REGION_INDEX << VfioPciCoreDevice.OFFSET_SHIFT) + 0xa0000;
        VfioPciCoreDevice enabled = new VfioPciCoreDevice(vga, t, k, VfioPciOptions.DEFAULTS);
        enabled.open(DmaPort.BLOCKED);
        try {
            assertThat(enabled.read(null, buf, vgaMem)).isEqualTo(4);
            assertThat(buf.get(ValueLayout.JAVA_INT_UNALIGNED, 0)).isEqualTo(-1);
            // Cut at the end of the legacy port range; outside the ranges EINVAL.
            assertThat(enabled.read(null, buf, vgaMem - 0xa0000 + 0x3ba)).isEqualTo(2);
            assertThat(errno(() -> enabled.read(null, buf, vgaMem - 0xa0000 + 0x400)))
                    .isEqualTo(Errno.EINVAL);
        } finally {
            enabled.close();
        }
        VfioPciCoreDevice disabled = new VfioPciCoreDevice(vga, t, k, new VfioPciOptions(false, true, false));
        disabled.open(DmaPort.BLOCKED);
        try {
            assertThat(errno(() -> disabled.read(null, buf, vgaMem))).isEqualTo(Errno.EINVAL);
        } finally {
            disabled.close();
        }
    }

    @Test
    void ioeventfdsStayOffTheMsixTableAndIoBarsIgnoreMemoryDecode() {
        VfioPciTestDevice d = new VfioPciTestDevice();
        int efd = d.eventfd();
        MemorySegment s = arena.allocate(VfioDeviceIoeventfd.DEF.size());
        VfioDeviceIoeventfd.ARGSZ.set(s, (int) VfioDeviceIoeventfd.DEF.size());
        VfioDeviceIoeventfd.FLAGS.set(s, VfioDeviceIoeventfd.IOEVENTFD_32);
        VfioDeviceIoeventfd.FD.set(s, efd);
        // The test device's MSI-X table: BAR0 0x2000, 8 entries of 16 bytes.
        for (long pos : new long[] {0x2000, 0x207c, 0x1ffe}) {
            VfioDeviceIoeventfd.OFFSET.set(s, pos);
            assertThat(errno(() -> d.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_IOEVENTFD, s.address())))
                    .as("at %#x", pos)
                    .isEqualTo(Errno.EINVAL);
        }
        VfioDeviceIoeventfd.OFFSET.set(s, 0x2080);
        d.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_IOEVENTFD, s.address());
        // An I/O BAR's write happens with decoding off; only memory BARs are gated.
        VfioDeviceIoeventfd.OFFSET.set(s, (2L << VfioPciCoreDevice.OFFSET_SHIFT) + 0x10);
        VfioDeviceIoeventfd.DATA.set(s, 0xabcdL);
        d.vdev.ioctl(null, VfioIoctl.VFIO_DEVICE_IOEVENTFD, s.address());
        assertThat(d.vdev.ioeventfdCount()).isEqualTo(2);
        d.cfgWrite(COMMAND, 2, 0);
        MemorySegment one = arena.allocate(8);
        one.set(ValueLayout.JAVA_LONG, 0, 1);
        d.kernel.write(efd, one);
        assertThat(d.mmio).containsEntry(0x10L, 0xabcdL).doesNotContainKey(0x2080L);
        d.enable(COMMAND_MEMORY);
        d.kernel.write(efd, one);
        assertThat(d.mmio).containsEntry(0x2080L, 0L);
        d.vdev.close();
        assertThat(d.vdev.ioeventfdCount()).isZero();
    }

    /**
     * Devices opened and closed at random from several threads share one set of permission tables
     * while any is open: every open sees a working config view, and the count of users returns to
     * where it was (the tables are freed when it reaches zero).
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void permissionTablesUnderConcurrentOpenAndClose(long seed) throws Exception {
        int threads = 4;
        List<VfioPciTestDevice> devices = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            VfioPciTestDevice d = new VfioPciTestDevice();
            d.vdev.close();
            devices.add(d);
        }
        int before = VfioPciPermTables.users();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                VfioPciTestDevice d = devices.get(i);
                Random random = new Random(seed * 31 + i);
                results.add(pool.submit(() -> {
                    int opens = 0;
                    for (int round = 0; round < 200; round++) {
                        d.vdev.open(DmaPort.BLOCKED);
                        opens++;
                        for (int r = random.nextInt(4); r >= 0; r--) {
                            assertThat(d.cfgRead(VENDOR_ID, 4)).isEqualTo(0x5678_1234);
                            assertThat(d.cfgRead(CAPABILITY_LIST, 1)).isNotZero();
                        }
                        assertThat(VfioPciPermTables.users()).isPositive();
                        d.vdev.close();
                    }
                    return opens;
                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdown();
        }
        assertThat(VfioPciPermTables.users()).isEqualTo(before);
    }
}
