package io.jvfio.emulator.vfio;

import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioConst;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciPlatform;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.kernel.Kernel;
import io.jvfio.testkit.IommufdCalls;
import io.jvfio.testkit.Sysfs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * An emulated kernel driven as a VFIO user program drives it: sysfs text, driver binding, the
 * device cdev bound to an iommufd and attached to an IOAS, region reads and writes, MSI to an
 * eventfd. The emulator's and the devices' tests share it (the emulator publishes its tests as a
 * test-jar).
 *
 * <p>{@link #boot()} is the machine of the VFIO core tests, with the real vfio-pci driver the kernel
 * loads at boot: edu-like functions at {@link #EDU} and {@link #EDU2} (own groups), a root port with
 * ACS with one below it, and a conventional bridge with two (one shared group).
 */
public final class TestMachine {
    public static final String EDU = "0000:00:04.0";
    public static final String EDU2 = "0000:00:05.0";
    public static final String ROOT_PORT = "0000:00:1c.0";
    public static final String BELOW_PORT = "0000:01:00.0";
    public static final String BRIDGE = "0000:00:1e.0";
    public static final String BELOW_BRIDGE_1 = "0000:02:01.0";
    public static final String BELOW_BRIDGE_2 = "0000:02:02.0";

    public final EmulatedKernel kernel;
    private final Arena arena = Arena.ofAuto();

    private TestMachine(EmulatedKernel kernel) {
        this.kernel = kernel;
    }

    /** A machine over a kernel booted elsewhere (another platform, a module loaded). */
    public static TestMachine on(EmulatedKernel kernel) {
        return new TestMachine(kernel);
    }

    public static TestMachine boot() {
        return boot(EmulatorConfig.defaults());
    }

    public static TestMachine boot(EmulatorConfig config) {
        return withTopology(
                config,
                PciTopology.build(List.of(
                        PciNode.endpoint(4, 0, edu()),
                        PciNode.endpoint(5, 0, edu()),
                        PciNode.rootPort(0x1c, true, PciNode.endpoint(0, 0, edu())),
                        PciNode.pciBridge(0x1e, PciNode.endpoint(1, 0, edu()), PciNode.endpoint(2, 0, edu())))));
    }

    /** Boots with {@code functions} at 00:04.0, 00:05.0, ... (each in its own IOMMU group). */
    public static TestMachine withFunctions(PciFunction... functions) {
        List<PciNode> nodes = new ArrayList<>();
        for (int i = 0; i < functions.length; i++) {
            nodes.add(PciNode.endpoint(4 + i, 0, functions[i]));
        }
        return withTopology(EmulatorConfig.defaults(), PciTopology.build(nodes));
    }

    public static TestMachine withTopology(EmulatorConfig config, PciTopology topology) {
        return new TestMachine(EmulatedKernel.create(config, new PciPlatform() {
            @Override
            public String name() {
                return "test-machine";
            }

            @Override
            public PciTopology topology() {
                return topology;
            }
        }));
    }

    private static PciFunction edu() {
        return PciFunction.builder(0x1234, 0x11e8)
                .classCode(0x00ff00)
                .revision(0x10)
                .subsystem(0x1af4, 0x1100)
                .intx()
                .build();
    }

    public String read(String path) {
        return Sysfs.read(kernel, path);
    }

    public void write(String path, String text) {
        Sysfs.write(kernel, path, text);
    }

    /** Binds the function at {@code bdf} to {@code driver} as a user does. */
    public void bind(String bdf, String driver) {
        Sysfs.bind(kernel, bdf, driver);
    }

    public void bindToVfio(String bdf) {
        bind(bdf, "vfio-pci");
    }

    public void unbind(String bdf) {
        write("/sys/bus/pci/devices/" + bdf + "/driver/unbind", bdf + "\n");
    }

    public VfioDevice vfioDevice(String bdf) {
        return (VfioDevice) kernel.pciBus().device(bdf).orElseThrow().driverData();
    }

    /** The /dev/vfio/devices node of the function at {@code bdf}, found through sysfs as a user finds it. */
    public String cdev(String bdf) {
        return "/dev/vfio/devices/"
                + kernel.listDirectory("/sys/bus/pci/devices/" + bdf + "/vfio-dev")
                        .getFirst();
    }

    /** Opens {@code path} read-write. */
    public int open(String path) {
        return kernel.open(path, Linux.O.RDWR);
    }

    /** Opens /dev/iommu, with the shared ioctl helpers on it. */
    public Iommufd openIommufd() {
        return new Iommufd(kernel, open("/dev/iommu"), arena);
    }

    /** Opens the device cdev {@code path} and binds it to {@code iommufd}; returns the device fd. */
    public int openBound(String path, int iommufd) {
        int fd = open(path);
        bindIommufd(fd, iommufd);
        return fd;
    }

    /** VFIO_DEVICE_BIND_IOMMUFD; returns out_devid. */
    public int bindIommufd(int deviceFd, int iommufd) {
        MemorySegment s = VfioDeviceBindIommufd.DEF.allocate(arena);
        VfioDeviceBindIommufd.IOMMUFD.set(s, iommufd);
        kernel.ioctl(deviceFd, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD, s);
        return VfioDeviceBindIommufd.OUT_DEVID.get(s);
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT with {@code flags}; returns pt_id as the kernel wrote it back. */
    public int attach(int deviceFd, int ptId, int flags) {
        MemorySegment s = VfioDeviceAttachIommufdPt.DEF.allocate(arena);
        VfioDeviceAttachIommufdPt.PT_ID.set(s, ptId);
        VfioDeviceAttachIommufdPt.FLAGS.set(s, flags);
        kernel.ioctl(deviceFd, VfioIoctl.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s);
        return VfioDeviceAttachIommufdPt.PT_ID.get(s);
    }

    public int attach(int deviceFd, int ptId) {
        return attach(deviceFd, ptId, 0);
    }

    /** A new non-blocking eventfd set as the trigger of the device's MSI vector 0. */
    public int msiTrigger(int deviceFd) {
        int efd = kernel.eventfd(0, Linux.Efd.NONBLOCK);
        MemorySegment irqs = VfioIrqSet.DEF.allocate(arena, 4);
        VfioIrqSet.FLAGS.set(irqs, VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER);
        VfioIrqSet.INDEX.set(irqs, VfioConst.VFIO_PCI_MSI_IRQ_INDEX);
        VfioIrqSet.COUNT.set(irqs, 1);
        irqs.set(ValueLayout.JAVA_INT, VfioIrqSet.DEF.minSize(), efd);
        kernel.ioctl(deviceFd, VfioIoctl.VFIO_DEVICE_SET_IRQS, irqs);
        return efd;
    }

    /** Reads the eventfd's counter (which resets it). */
    public long eventCount(int efd) {
        MemorySegment counter = arena.allocate(8);
        assertThat(kernel.read(efd, counter)).isEqualTo(8);
        return counter.get(ValueLayout.JAVA_LONG, 0);
    }

    /** Writes the low {@code size} bytes of {@code value} at {@code offset} of a device fd; all must be taken. */
    public void pwrite(int fd, long offset, int size, long value) {
        MemorySegment v = arena.allocate(8);
        v.set(ValueLayout.JAVA_LONG, 0, value);
        assertThat(kernel.pwrite(fd, v.asSlice(0, size), offset)).isEqualTo(size);
    }

    /** Reads {@code size} bytes at {@code offset} of a device fd, zero-extended; all must come. */
    public long pread(int fd, long offset, int size) {
        MemorySegment v = arena.allocate(8);
        assertThat(kernel.pread(fd, v.asSlice(0, size), offset)).isEqualTo(size);
        return v.get(ValueLayout.JAVA_LONG, 0);
    }

    /** An open /dev/iommu of the machine with the shared ioctl helpers; closing unmaps its buffers too. */
    public static final class Iommufd extends IommufdCalls implements AutoCloseable {
        public final int fd;
        private final Kernel kernel;
        private final Arena arena;

        private Iommufd(Kernel kernel, int fd, Arena arena) {
            this.kernel = kernel;
            this.fd = fd;
            this.arena = arena;
        }

        @Override
        protected Kernel kernel() {
            return kernel;
        }

        @Override
        protected int iommufd() {
            return fd;
        }

        @Override
        protected Arena arena() {
            return arena;
        }

        @Override
        public void close() {
            kernel.close(fd);
            unmapBuffers();
        }
    }
}
