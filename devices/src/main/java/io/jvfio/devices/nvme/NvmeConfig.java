package io.jvfio.devices.nvme;

import io.jvfio.emulator.pci.PcieType;

/**
 * What differs between NVMe controllers: the serial number (QEMU's {@code serial=}), the size of
 * the one RAM-backed namespace (NSID 1, 512-byte LBAs), the I/O queue pairs it offers (QEMU's
 * {@code max_ioqpairs}; one MSI-X vector per queue pair plus the admin queue's), and its PCIe type
 * (QEMU makes it a root-complex integrated endpoint on a PCIe root bus, an endpoint below a port),
 * and the VFs its SR-IOV capability offers (QEMU's {@code sriov_max_vfs}; 0: no SR-IOV).
 */
public record NvmeConfig(String serial, long namespaceBytes, int maxIoQueuePairs, PcieType pcieType, int sriovMaxVfs) {
    /** QEMU's NVME_MAX_VFS. */
    public static final int MAX_VFS = 127;

    public NvmeConfig {
        if (serial.isEmpty() || serial.length() > 20 || !serial.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("serial must be 1..20 printable ASCII characters: \"" + serial + "\"");
        }
        if (namespaceBytes <= 0 || namespaceBytes % NvmeController.LBA_SIZE != 0) {
            throw new IllegalArgumentException("namespace size must be a positive multiple of 512: " + namespaceBytes);
        }
        if (maxIoQueuePairs < 1 || maxIoQueuePairs > 0xffff) {
            throw new IllegalArgumentException("I/O queue pairs must be 1..65535: " + maxIoQueuePairs);
        }
        if (pcieType != PcieType.ENDPOINT && pcieType != PcieType.RC_INTEGRATED_ENDPOINT) {
            throw new IllegalArgumentException("an NVMe controller is an endpoint: " + pcieType);
        }
        if (sriovMaxVfs < 0 || sriovMaxVfs > MAX_VFS) {
            throw new IllegalArgumentException("sriov_max_vfs must be between 0 and " + MAX_VFS + ": " + sriovMaxVfs);
        }
    }

    /** A VF's: the same controller without SR-IOV of its own. */
    NvmeConfig virtfn() {
        return new NvmeConfig(serial, namespaceBytes, maxIoQueuePairs, pcieType);
    }

    /** A controller without SR-IOV. */
    public NvmeConfig(String serial, long namespaceBytes, int maxIoQueuePairs, PcieType pcieType) {
        this(serial, namespaceBytes, maxIoQueuePairs, pcieType, 0);
    }

    /** QEMU's defaults ({@code max_ioqpairs=64}) with the given serial and size, on a root bus. */
    public static NvmeConfig of(String serial, long namespaceBytes) {
        return new NvmeConfig(serial, namespaceBytes, 64, PcieType.RC_INTEGRATED_ENDPOINT);
    }
}
