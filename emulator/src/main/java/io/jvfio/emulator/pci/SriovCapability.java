package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

import java.util.Objects;
import java.util.function.IntFunction;

/**
 * A physical function's SR-IOV extended capability and the virtual functions behind it: TotalVFs
 * (= InitialVFs, no VF migration), NumVFs, First VF Offset and VF Stride (constant, whatever ARI
 * says), the VF Device ID, the page sizes, and the VF BARs sized as the VFs' own BARs. Setting VF
 * Enable brings NumVFs VFs up in their power-on state; clearing it takes them down. Each VF is a
 * {@link PciFunction} the device model makes once, on first enable, and keeps.
 *
 * <p>A reset of the PF clears VF Enable in hardware; Linux then writes NumVFs and VF Enable back
 * (pci_restore_state's sriov_restore_state), so VFs outlive every reset the kernel does. The
 * emulator folds that restore into the reset: the SR-IOV registers keep their values and the
 * enabled VFs are reset.
 */
public final class SriovCapability {
    /** 4K, 8K, 64K, 256K, 1M and 4M pages, as QEMU's pcie_sriov advertises. */
    private static final int SUPPORTED_PAGE_SIZES = 0x553;

    private static final int CTRL_WRITABLE = SRIOV_CTRL_VFE | SRIOV_CTRL_MSE | SRIOV_CTRL_ARI;

    private final Object lock;
    private final ConfigSpace config;
    private final int pos;
    private final int totalVfs;
    private final int vfOffset;
    private final int vfStride;
    private final IntFunction<PciFunction> factory;
    private final PciFunction[] vfs;
    private boolean enabled;
    /** The VFs VF Enable brought up (NumVFs then; a later NumVFs write does not change them). */
    private int enabledVfs;

    /** {@code lock} is the PF, whose monitor serialises its config space. */
    SriovCapability(
            Object lock,
            ConfigSpace config,
            int pos,
            int totalVfs,
            int vfOffset,
            int vfStride,
            IntFunction<PciFunction> factory) {
        if (totalVfs < 1 || totalVfs > 0xffff) {
            throw new IllegalArgumentException("TotalVFs must be 1..65535: " + totalVfs);
        }
        if (vfOffset < 1 || vfOffset > 0xffff || vfStride < 0 || vfStride > 0xffff || (totalVfs > 1 && vfStride == 0)) {
            throw new IllegalArgumentException(
                    "First VF Offset must be 1..65535 and VF Stride nonzero for several VFs");
        }
        this.lock = lock;
        this.config = config;
        this.pos = pos;
        this.totalVfs = totalVfs;
        this.vfOffset = vfOffset;
        this.vfStride = vfStride;
        this.factory = Objects.requireNonNull(factory);
        this.vfs = new PciFunction[totalVfs];
        vfs[0] = checkVf(factory.apply(0));
        config.set(pos + SRIOV_CTRL, 2, 0);
        config.mask(pos + SRIOV_CTRL, 2, CTRL_WRITABLE, 0);
        config.set(pos + SRIOV_INITIAL_VF, 2, totalVfs);
        config.set(pos + SRIOV_TOTAL_VF, 2, totalVfs);
        config.mask(pos + SRIOV_NUM_VF, 2, 0xffff, 0);
        config.set(pos + SRIOV_VF_OFFSET, 2, vfOffset);
        config.set(pos + SRIOV_VF_STRIDE, 2, vfStride);
        config.set(pos + SRIOV_VF_DID, 2, vfs[0].config().get(DEVICE_ID, 2));
        config.set(pos + SRIOV_SUP_PGSIZE, 4, SUPPORTED_PAGE_SIZES);
        config.set(pos + SRIOV_SYS_PGSIZE, 4, 1);
        config.mask(pos + SRIOV_SYS_PGSIZE, 4, SUPPORTED_PAGE_SIZES, 0);
        for (Bar bar : vfs[0].bars()) {
            PciFunction.layOutBar(config, pos + SRIOV_BAR + 4 * bar.index(), bar);
        }
        config.onWrite(pos + SRIOV_CTRL, 2, (o, s, v) -> vfEnableChanged());
    }

    /** The capability's offset in config space. */
    public int position() {
        return pos;
    }

    public int totalVfs() {
        return totalVfs;
    }

    /** First VF Offset: VF 0's routing ID is the PF's plus this. */
    public int vfOffset() {
        return vfOffset;
    }

    /** VF Stride: between consecutive VFs' routing IDs. */
    public int vfStride() {
        return vfStride;
    }

    /**
     * The function of VF {@code id} while VF Enable is set and {@code id} is below NumVFs as it was
     * when VF Enable was set.
     */
    public PciFunction virtfn(int id) {
        synchronized (lock) {
            if (!enabled || id < 0 || id >= enabledVfs) {
                throw new IllegalStateException("VF " + id + " is not enabled");
            }
            return vfs[id];
        }
    }

    /** Called with the PF's monitor held, after a write of SR-IOV Control. */
    private void vfEnableChanged() {
        boolean vfe = (config.get(pos + SRIOV_CTRL, 2) & SRIOV_CTRL_VFE) != 0;
        if (vfe && !enabled) {
            int n = Math.min(config.get(pos + SRIOV_NUM_VF, 2), totalVfs);
            config.set(pos + SRIOV_NUM_VF, 2, n);
            for (int i = 0; i < n; i++) {
                if (vfs[i] == null) {
                    vfs[i] = checkVf(factory.apply(i));
                } else {
                    vfs[i].reset();
                }
            }
            enabledVfs = n;
        }
        enabled = vfe;
        if (!vfe) {
            enabledVfs = 0;
        }
    }

    /**
     * What the PF's reset must put back (the kernel's sriov_restore_state): runs after config space
     * went back to power-on, and resets the enabled VFs.
     */
    Runnable saveForReset() {
        int ctrl = config.get(pos + SRIOV_CTRL, 2);
        int numVfs = config.get(pos + SRIOV_NUM_VF, 2);
        int pageSize = config.get(pos + SRIOV_SYS_PGSIZE, 4);
        int[] bars = new int[6];
        for (int i = 0; i < bars.length; i++) {
            bars[i] = config.get(pos + SRIOV_BAR + 4 * i, 4);
        }
        return () -> {
            config.set(pos + SRIOV_CTRL, 2, ctrl);
            config.set(pos + SRIOV_NUM_VF, 2, numVfs);
            config.set(pos + SRIOV_SYS_PGSIZE, 4, pageSize);
            for (int i = 0; i < bars.length; i++) {
                config.set(pos + SRIOV_BAR + 4 * i, 4, bars[i]);
            }
            for (int i = 0; i < enabledVfs; i++) {
                vfs[i].reset();
            }
        };
    }

    private static PciFunction checkVf(PciFunction vf) {
        if (vf.sriov().isPresent() || vf.isBridge()) {
            throw new IllegalArgumentException("a VF is an ordinary function without SR-IOV of its own");
        }
        return vf;
    }
}
