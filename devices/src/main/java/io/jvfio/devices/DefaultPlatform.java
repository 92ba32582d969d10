package io.jvfio.devices;

import io.jvfio.devices.edu.EduDevice;
import io.jvfio.devices.ioat.IoatDevice;
import io.jvfio.devices.nvme.NvmeConfig;
import io.jvfio.devices.nvme.NvmeController;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciPlatform;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.pci.PcieType;
import java.util.List;

/**
 * The machine the emulated kernel boots on by default (see docs/devices.md):
 *
 * <pre>
 * 0000:00:04.0  edu                                  group 0
 * 0000:00:05.0  NVMe, serial "jvfio-nvme0", 16 MiB   group 1
 * 0000:00:1c.0  PCIe root port with ACS              group 2
 *   0000:01:00.0  edu                                group 5
 * 0000:00:1e.0  PCI-to-PCI bridge (conventional)     group 3
 *   0000:02:01.0  edu                                group 3
 *   0000:02:02.0  edu                                group 3
 * 0000:00:1f.0  I/OAT DMA engine (8086:2021)         group 4
 * </pre>
 *
 * Groups are numbered in the order Linux adds the devices: bus 0 first, then each bridge's bus.
 * The emulated kernel finds it as the {@link PciPlatform} named "default".
 *
 * The root-bus endpoints are what passthrough tests use (the I/OAT engine is what Linux's
 * vfio_pci_driver_test drives); the rest exercise group formation: a
 * device isolated by its root port's ACS, and two devices a conventional bridge cannot isolate.
 */
public final class DefaultPlatform implements PciPlatform {
    public static final String NAME = "default";

    public static final PciAddress EDU = PciAddress.parse("0000:00:04.0");
    public static final PciAddress NVME = PciAddress.parse("0000:00:05.0");
    public static final PciAddress ROOT_PORT = PciAddress.parse("0000:00:1c.0");
    public static final PciAddress EDU_BELOW_ROOT_PORT = PciAddress.parse("0000:01:00.0");
    public static final PciAddress PCI_BRIDGE = PciAddress.parse("0000:00:1e.0");
    public static final PciAddress EDU_BELOW_BRIDGE_1 = PciAddress.parse("0000:02:01.0");
    public static final PciAddress EDU_BELOW_BRIDGE_2 = PciAddress.parse("0000:02:02.0");
    public static final PciAddress IOAT = PciAddress.parse("0000:00:1f.0");
    public static final String NVME_SERIAL = "jvfio-nvme0";
    public static final long NVME_NAMESPACE_BYTES = 16L << 20;

    /** This machine as a platform description ({@code jvfio --platform}'s file form). */
    public static final String DESCRIPTION = """
            edu,addr=04.0
            nvme,addr=05.0,serial=jvfio-nvme0,size=16M
            pcie-root-port,id=rp0,addr=1c.0,acs=on
            edu,bus=rp0
            pci-bridge,id=br0,addr=1e.0
            edu,bus=br0,addr=01.0
            edu,bus=br0,addr=02.0
            ioat,addr=1f.0
            """;

    private final EduDevice edu = new EduDevice();
    private final NvmeController nvme = new NvmeController(NvmeConfig.of(NVME_SERIAL, NVME_NAMESPACE_BYTES));
    private final EduDevice eduBelowRootPort = new EduDevice();
    private final EduDevice eduBelowBridge1 = new EduDevice();
    private final EduDevice eduBelowBridge2 = new EduDevice();
    private final IoatDevice ioat = new IoatDevice(PcieType.RC_INTEGRATED_ENDPOINT);
    private final PciTopology topology = PciTopology.build(List.of(
            PciNode.endpoint(EDU.device(), 0, edu.pci()),
            PciNode.endpoint(NVME.device(), 0, nvme.pci()),
            PciNode.rootPort(ROOT_PORT.device(), true, PciNode.endpoint(0, 0, eduBelowRootPort.pci())),
            PciNode.pciBridge(
                    PCI_BRIDGE.device(),
                    PciNode.endpoint(EDU_BELOW_BRIDGE_1.device(), 0, eduBelowBridge1.pci()),
                    PciNode.endpoint(EDU_BELOW_BRIDGE_2.device(), 0, eduBelowBridge2.pci())),
            PciNode.endpoint(IOAT.device(), 0, ioat.pci())));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PciTopology topology() {
        return topology;
    }

    /** The edu at 0000:00:04.0. */
    public EduDevice edu() {
        return edu;
    }

    /** The NVMe controller at 0000:00:05.0. */
    public NvmeController nvme() {
        return nvme;
    }

    /** The I/OAT DMA engine at 0000:00:1f.0. */
    public IoatDevice ioat() {
        return ioat;
    }

    /** The edu devices of the group-formation examples, in address order. */
    public List<EduDevice> otherEdus() {
        return List.of(eduBelowRootPort, eduBelowBridge1, eduBelowBridge2);
    }
}
