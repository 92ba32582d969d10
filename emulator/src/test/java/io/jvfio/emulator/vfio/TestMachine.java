package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciPlatform;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A small machine for VFIO core tests, with the real vfio-pci driver the kernel loads at boot: edu-like functions at 00:04.0 and 00:05.0 (own groups), a root port with ACS
 * with one below it, and a conventional bridge with two (one shared group).
 */
final class TestMachine {
    static final String EDU = "0000:00:04.0";
    static final String EDU2 = "0000:00:05.0";
    static final String ROOT_PORT = "0000:00:1c.0";
    static final String BELOW_PORT = "0000:01:00.0";
    static final String BRIDGE = "0000:00:1e.0";
    static final String BELOW_BRIDGE_1 = "0000:02:01.0";
    static final String BELOW_BRIDGE_2 = "0000:02:02.0";

    final EmulatedKernel kernel;

    private TestMachine(EmulatorConfig config) {
        kernel = EmulatedKernel.create(config, platform());
    }

    static TestMachine boot() {
        return new TestMachine(EmulatorConfig.defaults());
    }

    static TestMachine boot(EmulatorConfig config) {
        return new TestMachine(config);
    }

    private static PciFunction edu() {
        return PciFunction.builder(0x1234, 0x11e8)
                .classCode(0x00ff00)
                .revision(0x10)
                .subsystem(0x1af4, 0x1100)
                .intx()
                .build();
    }

    private static PciPlatform platform() {
        PciTopology t = PciTopology.build(List.of(
                PciNode.endpoint(4, 0, edu()),
                PciNode.endpoint(5, 0, edu()),
                PciNode.rootPort(0x1c, true, PciNode.endpoint(0, 0, edu())),
                PciNode.pciBridge(0x1e, PciNode.endpoint(1, 0, edu()), PciNode.endpoint(2, 0, edu()))));
        return new PciPlatform() {
            @Override
            public String name() {
                return "vfio-test";
            }

            @Override
            public PciTopology topology() {
                return t;
            }
        };
    }

    /** What a user does: driver_override, then drivers_probe. */
    void bindToVfio(String bdf) {
        write(kernel, "/sys/bus/pci/devices/" + bdf + "/driver_override", "vfio-pci\n");
        write(kernel, "/sys/bus/pci/drivers_probe", bdf + "\n");
    }

    VfioDevice vfioDevice(String bdf) {
        return (VfioDevice) kernel.pciBus().device(bdf).orElseThrow().driverData();
    }

    static String read(Kernel k, String path) {
        int fd = k.open(path, Linux.O.RDONLY);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            long n = k.read(fd, buf);
            return new String(
                    buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } finally {
            k.close(fd);
        }
    }

    static void write(Kernel k, String path, String text) {
        int fd = k.open(path, Linux.O.WRONLY);
        try (Arena a = Arena.ofConfined()) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            MemorySegment buf = a.allocate(Math.max(1, b.length));
            MemorySegment.copy(MemorySegment.ofArray(b), 0, buf, 0, b.length);
            k.write(fd, buf.asSlice(0, b.length));
        } finally {
            k.close(fd);
        }
    }

    static Errno errno(Runnable call) {
        try {
            call.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        throw new AssertionError("expected the call to fail");
    }
}
