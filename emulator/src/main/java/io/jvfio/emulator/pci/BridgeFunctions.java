package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

/** The bridge functions a topology creates, with QEMU's IDs for the matching bridge devices. */
final class BridgeFunctions {
    private static final int CLASS_BRIDGE_PCI = 0x060400;
    private static final int VENDOR_REDHAT = 0x1b36;
    private static final int VENDOR_TI = 0x104c;
    private static final int ACS_OFFSET = 0x100;

    private BridgeFunctions() {}

    /** QEMU's pcie-root-port (1b36:000c), or a switch downstream port (xio3130-downstream, 104c:8233). */
    static PciFunction port(PcieType type, boolean acs, boolean hotplugSlot) {
        boolean root = type == PcieType.ROOT_PORT;
        PciFunction.Builder b = PciFunction.bridgeBuilder(root ? VENDOR_REDHAT : VENDOR_TI, root ? 0x000c : 0x8233)
                .classCode(CLASS_BRIDGE_PCI)
                .intx()
                .msi(0x48, 1, true, false)
                .pciExpress(0x60, type, false, hotplugSlot);
        if (acs) {
            b.acs(ACS_OFFSET, ACS_SV | ACS_TB | ACS_RR | ACS_CR | ACS_UF);
        }
        return b.build();
    }

    /** xio3130-upstream (104c:8232). */
    static PciFunction upstreamPort() {
        return PciFunction.bridgeBuilder(VENDOR_TI, 0x8232)
                .classCode(CLASS_BRIDGE_PCI)
                .pciExpress(0x60, PcieType.UPSTREAM_PORT, false)
                .build();
    }

    /** pcie-pci-bridge (1b36:000e) below a PCIe port, else the conventional pci-bridge (1b36:0001). */
    static PciFunction pciBridge(boolean belowPcie) {
        PciFunction.Builder b = PciFunction.bridgeBuilder(VENDOR_REDHAT, belowPcie ? 0x000e : 0x0001)
                .classCode(CLASS_BRIDGE_PCI)
                .intx();
        if (belowPcie) {
            b.pciExpress(0x60, PcieType.PCI_BRIDGE, false);
        }
        return b.build();
    }
}
