package io.jvfio.emulator.pci;

/** The Device/Port Type field of the PCI Express Capabilities register (PCI_EXP_TYPE_*). */
public enum PcieType {
    ENDPOINT(0x0),
    LEGACY_ENDPOINT(0x1),
    ROOT_PORT(0x4),
    UPSTREAM_PORT(0x5),
    DOWNSTREAM_PORT(0x6),
    /** PCIe-to-PCI/PCI-X bridge: a conventional bus below a PCIe port. */
    PCI_BRIDGE(0x7),
    /** PCI/PCI-X-to-PCIe bridge. */
    PCIE_BRIDGE(0x8),
    RC_INTEGRATED_ENDPOINT(0x9),
    RC_EVENT_COLLECTOR(0xa);

    private final int code;

    PcieType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Root, switch upstream and downstream ports: bridges that do not alias their requesters. */
    boolean isPort() {
        return this == ROOT_PORT || this == UPSTREAM_PORT || this == DOWNSTREAM_PORT;
    }
}
