package io.jvfio.emulator.vfio.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.EventFdFile;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.pci.BarMemory;
import io.jvfio.emulator.pci.DmaPort;
import io.jvfio.emulator.pci.MmioHandler;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.pci.PcieType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A function with every feature vfio-pci virtualises, placed on a root bus and opened through
 * vfio-pci; helpers read and write the device fd's regions as a user would.
 */
final class VfioPciTestDevice {
    static final long RAM_BAR_SIZE = 0x2000;

    /** With IOMMU_TEST_CMD, so dma-buf tests can try the selftest's revoke on vfio-pci's buffers. */
    final EmulatedKernel kernel =
            EmulatedKernel.create(EmulatorConfig.defaults().withIommufdTest(true));

    final Arena arena = Arena.ofAuto();
    final Map<Long, Long> mmio = new HashMap<>();
    final AtomicInteger resets = new AtomicInteger();
    final BarMemory barMemory = BarMemory.allocate(RAM_BAR_SIZE);
    final MemorySegment ram = barMemory.segment();
    final PciFunction pdev;
    final VfioPciCoreDevice vdev;

    VfioPciTestDevice(boolean pcie, VfioPciOptions options) {
        MmioHandler regs = new MmioHandler() {
            @Override
            public long read(long offset, int size) {
                return mmio.getOrDefault(offset, 0L);
            }

            @Override
            public void write(long offset, int size, long value) {
                mmio.put(offset, value);
            }
        };
        PciFunction.Builder b = PciFunction.builder(0x1234, 0x5678)
                .intx()
                .memoryBar(0, 0x4000, true, false, regs)
                .ioBar(2, 0x20, regs)
                .ramBar(3, barMemory, false, true)
                .msi(0x50, 4, true, true)
                .powerManagement(0x68)
                .vendorCapability(0xc0, new byte[] {1, 2, 3})
                .onReset(resets::incrementAndGet);
        if (pcie) {
            b.msix(0x40, 8, 0, 0x2000, 0, 0x3000).pciExpress(0x80, PcieType.ENDPOINT, true);
        }
        pdev = b.build();
        PciTopology topology = PciTopology.build(java.util.List.of(new PciNode.Endpoint(4, 0, pdev)));
        vdev = new VfioPciCoreDevice(pdev, topology, kernel, options);
        vdev.open(DmaPort.BLOCKED);
    }

    VfioPciTestDevice() {
        this(true, VfioPciOptions.DEFAULTS);
    }

    // ---- config region -------------------------------------------------------------------------

    int cfgRead(int offset, int size) {
        MemorySegment buf = arena.allocate(size);
        vdev.read(null, buf, region(VfioConst.VFIO_PCI_CONFIG_REGION_INDEX) + offset);
        return (int) le(buf, size);
    }

    void cfgWrite(int offset, int size, int value) {
        MemorySegment buf = arena.allocate(size);
        for (int i = 0; i < size; i++) {
            buf.set(ValueLayout.JAVA_BYTE, i, (byte) (value >>> (8 * i)));
        }
        vdev.write(null, buf, region(VfioConst.VFIO_PCI_CONFIG_REGION_INDEX) + offset);
    }

    /** Sets Command bits through the config region. */
    void enable(int bits) {
        cfgWrite(COMMAND, 2, cfgRead(COMMAND, 2) | bits);
    }

    static long region(int index) {
        return (long) index << VfioPciCoreDevice.OFFSET_SHIFT;
    }

    static long le(MemorySegment buf, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (buf.get(ValueLayout.JAVA_BYTE, i) & 0xffL) << (8 * i);
        }
        return v;
    }

    // ---- eventfds ------------------------------------------------------------------------------

    int eventfd() {
        return kernel.eventfd(0, 0);
    }

    long count(int fd) {
        EventFdFile f = (EventFdFile) kernel.fget(fd);
        try {
            return f.count();
        } finally {
            f.put();
        }
    }
}
