package io.jvfio.emulator.vfio.pci;

import io.jvfio.abi.Linux;
import io.jvfio.emulator.EmulatedKernel;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciPlatform;
import io.jvfio.emulator.pci.PciTopology;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** An emulated kernel booted with test functions on its root bus, driven through sysfs text files. */
final class SysfsMachine {
    final EmulatedKernel kernel;
    private final Arena arena = Arena.ofAuto();

    /** Boots with {@code functions} at 00:04.0, 00:05.0, ... (each in its own IOMMU group). */
    SysfsMachine(PciFunction... functions) {
        List<PciNode> nodes = new ArrayList<>();
        for (int i = 0; i < functions.length; i++) {
            nodes.add(PciNode.endpoint(4 + i, 0, functions[i]));
        }
        PciTopology t = PciTopology.build(nodes);
        kernel = EmulatedKernel.create(EmulatorConfig.defaults(), new PciPlatform() {
            @Override
            public String name() {
                return "sysfs-test";
            }

            @Override
            public PciTopology topology() {
                return t;
            }
        });
    }

    void write(String path, String text) {
        int fd = kernel.open(path, Linux.O.WRONLY);
        try {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            MemorySegment buf = arena.allocate(b.length);
            MemorySegment.copy(MemorySegment.ofArray(b), 0, buf, 0, b.length);
            kernel.write(fd, buf);
        } finally {
            kernel.close(fd);
        }
    }

    String read(String path) {
        int fd = kernel.open(path, Linux.O.RDONLY);
        try {
            MemorySegment buf = arena.allocate(256);
            long n = kernel.read(fd, buf);
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } finally {
            kernel.close(fd);
        }
    }

    /** Binds the function at {@code bdf} to {@code driver} as a user does (driver_override, drivers_probe). */
    void bind(String bdf, String driver) {
        write("/sys/bus/pci/devices/" + bdf + "/driver_override", driver + "\n");
        write("/sys/bus/pci/drivers_probe", bdf + "\n");
    }

    void unbind(String bdf) {
        write("/sys/bus/pci/devices/" + bdf + "/driver/unbind", bdf + "\n");
    }
}
