package io.jvfio.devices.nvme;

import io.jvfio.emulator.pci.DeviceProperties;
import io.jvfio.emulator.pci.PciDeviceType;
import io.jvfio.emulator.pci.PciFunction;
import java.util.Set;

/**
 * {@code nvme}: an NVMe controller with QEMU's property names: {@code serial=} (default
 * "jvfio-nvme0"), {@code max_ioqpairs=} (default 64), {@code size=} for its RAM-backed
 * namespace (default 16M, at most 1G: QEMU takes a drive instead), and {@code sriov_max_vfs=}
 * (default 0): an SR-IOV PF with up to that many VFs (at most 127), each an NVMe controller like
 * the PF with a namespace of its own (QEMU's VFs are secondary controllers of one subsystem).
 */
public final class NvmeType implements PciDeviceType {
    static final long DEFAULT_SIZE = 16L << 20;
    static final long MAX_SIZE = 1L << 30;

    @Override
    public String name() {
        return "nvme";
    }

    @Override
    public Set<String> properties() {
        return Set.of("serial", "size", "max_ioqpairs", "sriov_max_vfs");
    }

    @Override
    public PciFunction create(DeviceProperties p) {
        long size = p.size("size", DEFAULT_SIZE);
        String sizeText = p.string("size", "16M");
        if (size == 0 || size % NvmeController.LBA_SIZE != 0) {
            throw new IllegalArgumentException("size=" + sizeText + " is not a positive multiple of 512 bytes");
        }
        if (size > MAX_SIZE) {
            throw new IllegalArgumentException(
                    "size=" + sizeText + " is more than 1G (the namespace is memory of this JVM)");
        }
        long pairs = p.integer("max_ioqpairs", 64);
        if (pairs < 1 || pairs > 0xffff) {
            throw new IllegalArgumentException("max_ioqpairs=" + pairs + " is not in 1..65535");
        }
        long vfs = p.integer("sriov_max_vfs", 0);
        if (vfs < 0 || vfs > NvmeConfig.MAX_VFS) {
            throw new IllegalArgumentException("sriov_max_vfs=" + vfs + " is not in 0.." + NvmeConfig.MAX_VFS);
        }
        String serial = p.string("serial", "jvfio-nvme0");
        NvmeConfig config;
        try {
            config = new NvmeConfig(serial, size, (int) pairs, p.endpointType(), (int) vfs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("serial=" + serial + ": " + e.getMessage(), e);
        }
        return new NvmeController(config).pci();
    }
}
