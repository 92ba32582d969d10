package io.jvfio.bench;

import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.pci.DmaPort;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciPlatform;
import io.jvfio.emulator.pci.PciRegs;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.vfio.pci.VfioPciCoreDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Two emulated PCI functions (at 00:04.0 and 00:05.0, each in its own IOMMU group behind the
 * emulated VT-d) set up as a VFIO program does: bound to vfio-pci through sysfs, their cdevs bound
 * to one iommufd and attached to one IOAS (so they share its automatic domain), bus mastering on
 * through the config region; {@link #SIZE} bytes of user memory mapped at {@link
 * ConcurrencyBenchmarks#IOVA}. The devices' side is each function's DMA port, as a device model
 * uses it.
 */
@State(Scope.Benchmark)
public class TwoDevices {
    static final String[] BDFS = {"0000:00:04.0", "0000:00:05.0"};
    static final long SIZE = ConcurrencyBenchmarks.M2;

    private EmulatedKernel kernel;
    private final Arena arena = Arena.ofShared();
    private final List<Integer> fds = new ArrayList<>();
    private final List<DmaPort> ports = new ArrayList<>();
    private final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() {
        kernel = EmulatedKernel.create(EmulatorConfig.defaults(), new PciPlatform() {
            @Override
            public String name() {
                return "two-devices";
            }

            @Override
            public PciTopology topology() {
                return PciTopology.build(
                        List.of(PciNode.endpoint(4, 0, function()), PciNode.endpoint(5, 0, function())));
            }
        });
        try (EmulatedIommu iommu = new EmulatedIommu(kernel)) {
            int ioas = iommu.ioasAlloc();
            iommu.mapFixed(ioas, arena.allocate(SIZE, SIZE).address(), SIZE, ConcurrencyBenchmarks.IOVA);
            for (String bdf : BDFS) {
                sysfsWrite("/sys/bus/pci/devices/" + bdf + "/driver_override", "vfio-pci\n");
                sysfsWrite("/sys/bus/pci/drivers_probe", bdf + "\n");
                String cdev = "/dev/vfio/devices/"
                        + kernel.listDirectory("/sys/bus/pci/devices/" + bdf + "/vfio-dev")
                                .getFirst();
                int fd = kernel.open(cdev, Linux.O.RDWR);
                fds.add(fd);
                MemorySegment bind = VfioDeviceBindIommufd.DEF.allocate(arena);
                VfioDeviceBindIommufd.IOMMUFD.set(bind, iommu.fd);
                kernel.ioctl(fd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, bind);
                MemorySegment attach = VfioDeviceAttachIommufdPt.DEF.allocate(arena);
                VfioDeviceAttachIommufdPt.PT_ID.set(attach, ioas);
                kernel.ioctl(fd, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);
                long command = ((long) VfioConst.VFIO_PCI_CONFIG_REGION_INDEX << VfioPciCoreDevice.OFFSET_SHIFT)
                        + PciRegs.COMMAND;
                MemorySegment value = arena.allocate(2);
                value.set(
                        ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) (PciRegs.COMMAND_MEMORY | PciRegs.COMMAND_MASTER));
                kernel.pwrite(fd, value, command);
                ports.add(kernel.pciBus().device(bdf).orElseThrow().function().dma());
            }
        } // the devices hold the iommufd open
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fds.forEach(kernel::close);
        arena.close();
    }

    int nextThread() {
        return threads.getAndIncrement();
    }

    DmaPort port(int thread) {
        return ports.get(thread % ports.size());
    }

    private void sysfsWrite(String path, String text) {
        int fd = kernel.open(path, Linux.O.WRONLY);
        try {
            MemorySegment bytes = arena.allocateFrom(text, StandardCharsets.US_ASCII);
            kernel.write(fd, bytes.asSlice(0, text.length()));
        } finally {
            kernel.close(fd);
        }
    }

    private static PciFunction function() {
        return PciFunction.builder(0x1234, 0x11e8).classCode(0x00ff00).build();
    }
}
