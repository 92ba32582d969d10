package io.jvfio.emulator.vfio.pci;

import static io.jvfio.abi.vfio.VfioConst.*;
import static io.jvfio.emulator.pci.PciRegs.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceInfo;
import io.jvfio.abi.vfio.VfioDeviceLowPowerEntryWithWakeup;
import io.jvfio.abi.vfio.VfioInfoCapHeader;
import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqInfo;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.emulator.AddressSpace;
import io.jvfio.emulator.EventFdFile;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.OpenFile;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.VfioArgsz;
import io.jvfio.emulator.pci.Bar;
import io.jvfio.emulator.pci.DmaPort;
import io.jvfio.emulator.pci.InterruptSink;
import io.jvfio.emulator.pci.MsiMessage;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.VfioDeviceFeatures;
import io.jvfio.emulator.vfio.VfioDeviceOps;
import io.jvfio.emulator.vfio.VfioInfoCap;
import io.jvfio.emulator.vfio.VfioIrqSetArgs;
import io.jvfio.emulator.vfio.mdev.AccessDmaPort;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * A PCI function driven by vfio-pci (the kernel's {@code vfio_pci_core_device}, vfio_pci_core.c):
 * device info, regions, config space virtualisation, interrupts, resets and features. Every
 * PCI-backed VFIO device shares it, the mdev wrapper included. {@link #open} and {@link #close} are
 * the driver's open_device/close_device; the VFIO core hands the device fd's ioctls, reads, writes
 * and mmaps to the other public methods.
 */
public final class VfioPciCoreDevice implements VfioDeviceOps, InterruptSink {
    /** Regions live at {@code index << 40} in the device fd. */
    public static final int OFFSET_SHIFT = 40;

    private static final long OFFSET_MASK = (1L << OFFSET_SHIFT) - 1;

    /** The legacy VGA region: memory 0xa0000-0xbffff plus the VGA I/O ports below it. */
    private static final long VGA_REGION_SIZE = 0xc0000;

    private static final int CLASS_DISPLAY_VGA = 0x0300;

    private final PciFunction pdev;
    private final KernelServices kernel;
    private final Supplier<VfioPciOptions> optionSource;
    private final int msiCap;
    private final int msixCap;
    private final VfioPciRdwr rdwr = new VfioPciRdwr(this);
    private final VfioPciHotResetIoctls hotReset;
    private VfioPciOptions options;
    private VfioPciPermTables perms;
    private VfioPciConfig config;
    private VfioPciIntrs intrs;
    private boolean resetWorks;
    private boolean pci23;
    private boolean hasVga;
    /** Command as pci_save_state found it at open, put back at close (pci_restore_state). */
    private int savedCommand;
    /** vfio-pci's SR-IOV state for the function (null for the drivers built on the core without it). */
    private volatile VfioPciSriov sriov;
    /** {@code sriov_active}: VFs are enabled, so the PF stays in D0. */
    private boolean sriovActive;

    private int powerState;
    private boolean pmRuntimeEngaged;
    private EventFdFile pmWakeEventfd;
    /** The dma-bufs exported from this device's BARs ({@code vdev->dmabufs}); guarded by this. */
    private final List<VfioPciDmaBuf> dmabufs = new ArrayList<>();

    /**
     * @param topology the function's topology (hot reset scope and IOMMU groups)
     * @param kernel the kernel whose fd table the device's ioctls use (eventfds, group fds, dma-buf fds)
     * @param optionSource the options, read now and again at every first open (vfio-pci hands a
     *     constant latched at probe; vfio-mdev-pci its module parameters as they are then)
     */
    public VfioPciCoreDevice(
            PciFunction pdev, PciTopology topology, KernelServices kernel, Supplier<VfioPciOptions> optionSource) {
        this.pdev = pdev;
        this.kernel = kernel;
        this.optionSource = optionSource;
        this.hotReset = new VfioPciHotResetIoctls(pdev, topology, kernel);
        this.options = optionSource.get();
        this.msiCap = findCap(CAP_ID_MSI);
        this.msixCap = findCap(CAP_ID_MSIX);
        idle();
    }

    public VfioPciCoreDevice(PciFunction pdev, PciTopology topology, KernelServices kernel, VfioPciOptions options) {
        this(pdev, topology, kernel, () -> options);
    }

    // ---- open / close --------------------------------------------------------------------------

    @Override
    public String name() {
        return "vfio-pci";
    }

    /**
     * open_device: DMA goes through the IOMMU group's domain (blocked in no-IOMMU mode), or for the
     * function wrapped as an mdev through the access object the core just bound.
     */
    @Override
    public void openDevice(VfioDevice device) {
        if (device.isEmulated()) {
            open(new AccessDmaPort(device.iommufdAccess()));
        } else {
            open(device.dev().iommuDevice() != null ? device.dev().iommuDevice().dmaPort() : DmaPort.BLOCKED);
        }
        if (sriov != null) {
            sriov.opened();
        }
    }

    @Override
    public void closeDevice(VfioDevice device) {
        if (sriov != null) {
            sriov.closed();
        }
        close();
    }

    /** vfio-pci's SR-IOV state, set once at probe (vfio_pci_vf_init). */
    void setSriov(VfioPciSriov state) {
        sriov = state;
    }

    VfioPciSriov sriov() {
        return sriov;
    }

    /**
     * While VFs are enabled the PF is held in D0 (sriov_configure's pm_runtime_resume_and_get, and
     * vfio_pci_set_power_state's EBUSY for lower states); afterwards an unused PF goes idle again.
     */
    synchronized void setSriovActive(boolean active) {
        sriovActive = active;
        if (active) {
            writePowerState(0);
        } else if (intrs == null) {
            idle();
        }
    }

    /**
     * {@code vfio_pci_core_match}: the name, with an optional {@code vf_token=UUID}
     * ({@link VfioPciSriov#parseName}), then the token rules.
     */
    @Override
    public boolean match(VfioDevice device, String buf) {
        Optional<VfioPciSriov.NamedToken> named = VfioPciSriov.parseName(device.name(), buf);
        if (named.isEmpty()) {
            return false;
        }
        matchTokenUuid(device, named.get().token());
        return true;
    }

    @Override
    public boolean hasMatchTokenUuid() {
        return true;
    }

    /**
     * {@code vfio_pci_core_match_token_uuid}: vfio-pci's VF token rules ({@link VfioPciSriov}); a
     * function without that state takes no token (EINVAL), as one that is neither PF nor VF.
     */
    @Override
    public void matchTokenUuid(VfioDevice device, UUID uuid) {
        VfioPciSriov s = sriov;
        if (s != null) {
            s.matchTokenUuid(uuid);
        } else if (uuid != null) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    /** vfio_pci_core_request: asks the user, through the REQ eventfd, to release the device. */
    @Override
    public synchronized void request(VfioDevice device, int count) {
        if (intrs != null) {
            intrs.request();
        }
    }

    /**
     * vfio_pci_core_enable: reads the options, connects the function to memory through {@code dma}
     * (the IOMMU domain or an access object's port), enables decoding, tries a function reset,
     * picks the INTx masking method (PCI 2.3 DisINTx unless nointxmask or the function cannot),
     * notes VGA (unless disable_vga) and builds the config view on the shared permission tables.
     */
    public synchronized void open(DmaPort dma) {
        options = optionSource.get();
        writePowerState(0);
        pdev.attach(dma, this);
        int cmd = pdev.config().read(COMMAND, 2) & ~COMMAND_MASTER;
        for (Bar bar : pdev.bars()) {
            cmd |= bar.type() == Bar.Type.IO ? COMMAND_IO : COMMAND_MEMORY;
        }
        resetWorks = pdev.supportsFlr();
        if (resetWorks) {
            pdev.functionLevelReset();
        }
        savedCommand = cmd;
        // pci_intx_mask_supported: the function's DisINTx bit must be writable.
        pci23 = !options.nointxmask() && (pdev.config().writableMask(COMMAND, 2) & COMMAND_INTX_DISABLE) != 0;
        if (pci23) {
            cmd &= ~COMMAND_INTX_DISABLE;
        }
        pdev.config().write(COMMAND, 2, cmd);
        hasVga = !options.disableVga() && pdev.config().read(CLASS_REVISION + 2, 2) == CLASS_DISPLAY_VGA;
        powerState = 0;
        intrs = new VfioPciIntrs(this);
        perms = VfioPciPermTables.acquire();
        config = new VfioPciConfig(this, perms);
    }

    /**
     * vfio_pci_core_disable: interrupts and ioeventfds off, bus mastering off, the function reset
     * if it can be; the last open device frees the permission tables.
     */
    public synchronized void close() {
        dmaBufCleanup();
        intrs.release();
        rdwr.releaseIoeventfds();
        VfioPciPermTables.release();
        perms = null;
        pmRuntimeExit();
        // INTx disabled around the reset, then the Command saved at open (bus master off).
        pdev.config().write(COMMAND, 2, COMMAND_INTX_DISABLE);
        if (resetWorks) {
            pdev.functionLevelReset();
        }
        pdev.config().write(COMMAND, 2, savedCommand);
        pdev.attach(DmaPort.BLOCKED, InterruptSink.NONE);
        idle();
    }

    /** The driver lets go of the function: the driver core resumes it to D0 before remove. */
    public synchronized void remove() {
        writePowerState(0);
    }

    /** An unused device is runtime-suspended to D3hot unless disable_idle_d3 is set. */
    private void idle() {
        if (!options.disableIdleD3() && !sriovActive) {
            writePowerState(3);
        }
    }

    // ---- InterruptSink -------------------------------------------------------------------------

    @Override
    public void intx(PciFunction source, boolean asserted) {
        intrs.intx(asserted);
    }

    @Override
    public void msi(PciFunction source, MsiMessage message) {
        intrs.msi(message);
    }

    // ---- ioctls --------------------------------------------------------------------------------

    /** vfio_pci_core_ioctl; ENOTTY for other requests. */
    @Override
    public long ioctl(VfioDevice device, long request, long arg) {
        runtimeResume();
        if (request == VfioIoctl.VFIO_DEVICE_GET_INFO) {
            getInfo(arg);
        } else if (request == VfioIoctl.VFIO_DEVICE_GET_IRQ_INFO) {
            getIrqInfo(arg);
        } else if (request == VfioIoctl.VFIO_DEVICE_SET_IRQS) {
            setIrqs(arg);
        } else if (request == VfioIoctl.VFIO_DEVICE_RESET) {
            reset();
        } else if (request == VfioIoctl.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO) {
            hotReset.info(device, arg);
        } else if (request == VfioIoctl.VFIO_DEVICE_PCI_HOT_RESET) {
            hotReset.reset(device, arg);
        } else if (request == VfioIoctl.VFIO_DEVICE_IOEVENTFD) {
            rdwr.ioeventfdIoctl(arg);
        } else {
            throw new ErrnoException(Errno.ENOTTY);
        }
        return 0;
    }

    /** vfio_pci_ioctl_get_info: copies back min(argsz, sizeof) bytes (cap_offset 0: no capabilities apply). */
    private void getInfo(long arg) {
        long minsz = VfioDeviceInfo.DEF.minSize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = VfioArgsz.copyIn(arg, minsz, VfioDeviceInfo.DEF.size(), a);
            VfioDeviceInfo.FLAGS.set(info, VfioDeviceInfo.FLAGS_PCI | (resetWorks ? VfioDeviceInfo.FLAGS_RESET : 0));
            VfioDeviceInfo.NUM_REGIONS.set(info, VFIO_PCI_NUM_REGIONS);
            VfioDeviceInfo.NUM_IRQS.set(info, VFIO_PCI_NUM_IRQS);
            VfioArgsz.copyBack(info, arg);
        }
    }

    /** vfio_pci_ioctl_get_region_info: the core validated argsz and places the chain. */
    @Override
    public void getRegionInfoCaps(VfioDevice device, MemorySegment info, VfioInfoCap caps) {
        runtimeResume();
        int index = VfioRegionInfo.INDEX.get(info);
        int flags = 0;
        long regionSize = 0;
        if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
            regionSize = config.size();
            flags = VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_WRITE;
        } else if (index >= 0 && index <= VFIO_PCI_BAR5_REGION_INDEX) {
            Optional<Bar> bar = pdev.bar(index);
            if (bar.isPresent()) {
                regionSize = bar.get().size();
                flags = VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_WRITE;
                if (mmapSupported(bar.get())) {
                    flags |= VfioRegionInfo.FLAG_MMAP;
                    if (index == msixBar()) {
                        // The MSI-X table may be mmapped: Linux no longer carves it out.
                        caps.add((int) VfioInfoCapHeader.DEF.size(), VfioRegionInfo.CAP_MSIX_MAPPABLE, 1);
                    }
                }
            }
        } else if (index == VFIO_PCI_VGA_REGION_INDEX && hasVga) {
            regionSize = VGA_REGION_SIZE;
            flags = VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_WRITE;
        } else if (index != VFIO_PCI_ROM_REGION_INDEX) {
            // VGA only for a VGA-class function without disable_vga; no device-specific regions.
            // The ROM exists with size 0 and no flags: the model has no option ROMs.
            throw new ErrnoException(Errno.EINVAL);
        }
        VfioRegionInfo.OFFSET.set(info, (long) index << OFFSET_SHIFT);
        VfioRegionInfo.SIZE.set(info, regionSize);
        VfioRegionInfo.FLAGS.set(info, flags);
    }

    private void getIrqInfo(long arg) {
        long size = VfioIrqInfo.DEF.minSize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = VfioArgsz.copyIn(arg, size, a);
            int index = VfioIrqInfo.INDEX.get(info);
            if (Integer.compareUnsigned(index, VFIO_PCI_NUM_IRQS) >= 0
                    || (index == VFIO_PCI_ERR_IRQ_INDEX && pdev.pcieType().isEmpty())) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int flags = VfioIrqInfo.EVENTFD;
            if (index == VFIO_PCI_INTX_IRQ_INDEX) {
                flags |= VfioIrqInfo.MASKABLE | VfioIrqInfo.AUTOMASKED;
            } else {
                // No dynamic MSI-X allocation in the emulated kernel.
                flags |= VfioIrqInfo.NORESIZE;
            }
            VfioIrqInfo.FLAGS.set(info, flags);
            VfioIrqInfo.COUNT.set(info, intrs.irqCount(index));
            UserMemory.copyOut(info, arg, size);
        }
    }

    /** vfio_pci_ioctl_set_irqs: the count of an unknown index is 0. */
    private void setIrqs(long arg) {
        VfioIrqSetArgs set = VfioIrqSetArgs.validateAndPrepare(
                arg,
                index -> Integer.compareUnsigned(index, VFIO_PCI_NUM_IRQS) < 0 ? intrs.irqCount(index) : 0,
                VFIO_PCI_NUM_IRQS);
        intrs.setIrqs(set.flags(), set.index(), set.start(), set.count(), set.data(), this::eventfd);
    }

    /** VFIO_DEVICE_RESET: EINVAL without a function reset. */
    private void reset() {
        if (!resetWorks) {
            throw new ErrnoException(Errno.EINVAL);
        }
        tryResetFunction();
    }

    /**
     * A function reset with the device's dma-bufs revoked around it (and restored only if the
     * user's memory decode survived), as vfio-pci does for VFIO_DEVICE_RESET and config-space FLRs;
     * the config state is saved and restored around it (pci_try_reset_function), so the user's
     * Command bits and interrupt programming survive, as on Linux.
     */
    synchronized void tryResetFunction() {
        dmaBufMove(true);
        Runnable restore = saveState();
        pdev.functionLevelReset();
        restore.run();
        if (config.memoryEnabled()) {
            dmaBufMove(false);
        }
    }

    /** pci_save_state: what a reset loses and the kernel puts back (Command, MSI, MSI-X). */
    synchronized Runnable saveState() {
        int cmd = pdev.config().read(COMMAND, 2);
        int msiFlags = msiCap == 0 ? 0 : pdev.config().read(msiCap + MSI_FLAGS, 2);
        int[] msiRegs = new int[msiCap == 0 ? 0 : 5];
        for (int i = 0; i < msiRegs.length; i++) {
            msiRegs[i] = pdev.config().read(msiCap + 4 + 4 * i, 4);
        }
        int msixFlags = msixCap == 0 ? 0 : pdev.config().read(msixCap + MSIX_FLAGS, 2);
        boolean msix = intrs.irqType() == VFIO_PCI_MSIX_IRQ_INDEX;
        return () -> {
            synchronized (this) {
                for (int i = 0; i < msiRegs.length; i++) {
                    pdev.config().write(msiCap + 4 + 4 * i, 4, msiRegs[i]);
                }
                if (msiCap != 0) {
                    pdev.config().write(msiCap + MSI_FLAGS, 2, msiFlags);
                }
                if (msix) {
                    programMsix(intrs.irqCount(VFIO_PCI_MSIX_IRQ_INDEX), VfioPciIntrs.HOST_MSI_ADDRESS);
                    pdev.config().write(msixCap + MSIX_FLAGS, 2, msixFlags);
                }
                pdev.config().write(COMMAND, 2, cmd);
            }
        };
    }

    /**
     * vfio_pci_core_ioctl_feature after the core's header checks: the low-power features (SET only)
     * and dma-buf export (GET only); no SR-IOV PF (so no VF token): ENOTTY. {@code arg}/{@code argsz} are the payload.
     */
    @Override
    public long deviceFeature(VfioDevice device, int flags, long arg, long argsz) {
        runtimeResume();
        int feature = flags & VfioDeviceFeature.FEATURE_MASK;
        if (feature == VfioDeviceFeature.FEATURE_DMA_BUF) {
            return VfioPciDmaBuf.export(this, kernel, flags, arg, argsz);
        }
        if (feature == VfioDeviceFeature.FEATURE_PCI_VF_TOKEN) {
            VfioPciSriov s = sriov;
            if (s == null) {
                throw new ErrnoException(Errno.ENOTTY);
            }
            return s.featureToken(flags, arg, argsz);
        }
        long payload =
                switch (feature) {
                    case VfioDeviceFeature.FEATURE_LOW_POWER_ENTRY, VfioDeviceFeature.FEATURE_LOW_POWER_EXIT -> 0;
                    case VfioDeviceFeature.FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP ->
                        VfioDeviceLowPowerEntryWithWakeup.DEF.size();
                    default -> throw new ErrnoException(Errno.ENOTTY);
                };
        if (!VfioDeviceFeatures.checkFeature(flags, argsz, VfioDeviceFeature.FEATURE_SET, payload)) {
            return 0;
        }
        EventFdFile wakeup = null;
        if (feature == VfioDeviceFeature.FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP) {
            int fd = UserMemory.getU32(arg + VfioDeviceLowPowerEntryWithWakeup.WAKEUP_EVENTFD.offset());
            if (fd < 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            wakeup = eventfd(fd);
        }
        synchronized (this) {
            if (feature == VfioDeviceFeature.FEATURE_LOW_POWER_EXIT) {
                pmRuntimeExit();
            } else {
                // vfio_pci_runtime_pm_entry revokes before it checks.
                dmaBufMove(true);
                if (pmRuntimeEngaged) {
                    if (wakeup != null) {
                        wakeup.put();
                    }
                    throw new ErrnoException(Errno.EINVAL);
                }
                pmRuntimeEngaged = true;
                pmWakeEventfd = wakeup;
            }
        }
        return 0;
    }

    /**
     * Any access to the device resumes it from runtime suspend; a wakeup eventfd given at low-power
     * entry is signalled and ends low power (vfio_pci_core_runtime_resume).
     */
    private synchronized void runtimeResume() {
        if (pmWakeEventfd != null) {
            pmWakeEventfd.signal();
            pmRuntimeExit();
        }
    }

    private void pmRuntimeExit() {
        pmRuntimeEngaged = false;
        if (pmWakeEventfd != null) {
            pmWakeEventfd.put();
            pmWakeEventfd = null;
        }
        if (config != null && config.memoryEnabled()) {
            dmaBufMove(false);
        }
    }

    // ---- dma-buf export (vfio_pci_dmabuf.c) ----------------------------------------------------

    /** A new buffer exported from this device: revoked from the start if memory decode is off. */
    synchronized void addDmaBuf(VfioPciDmaBuf b) {
        b.revoked = !config.memoryEnabled();
        dmabufs.add(b);
    }

    /** vfio_pci_dma_buf_move: every exported buffer to the revoked state or out of it. */
    synchronized void dmaBufMove(boolean revoke) {
        for (VfioPciDmaBuf b : dmabufs) {
            b.move(revoke);
        }
    }

    /** vfio_pci_dma_buf_cleanup (close): revoke everything, and the buffers forget the device. */
    private synchronized void dmaBufCleanup() {
        dmaBufMove(true);
        for (VfioPciDmaBuf b : dmabufs) {
            b.vdev = null;
        }
        dmabufs.clear();
    }

    /** A buffer's release while the device still knows it. */
    synchronized void removeDmaBuf(VfioPciDmaBuf b) {
        dmabufs.remove(b);
    }

    // ---- regions (vfio_pci_rdwr.c: VfioPciRdwr) ------------------------------------------------

    /** read/pread on the device fd: the region at {@code pos >> 40}. */
    @Override
    public long read(VfioDevice device, MemorySegment buf, long pos) {
        runtimeResume();
        return rdwr.read(buf, pos);
    }

    /** write/pwrite on the device fd. */
    @Override
    public long write(VfioDevice device, MemorySegment buf, long pos) {
        runtimeResume();
        return rdwr.write(buf, pos);
    }

    /**
     * vfio_pci_core_mmap of a BAR: a RAM BAR maps its own memory; a BAR of device registers is a
     * VM_IO mapping whose loads and stores reach the device, which only a process that can emulate
     * them has (a preload client, {@link AddressSpace#mapsIo}). The request covers whole pages and
     * must end inside the page-aligned BAR.
     */
    @Override
    public MemorySegment mmap(VfioDevice device, long length, int prot, int mapFlags, long offset) {
        long index = offset >>> OFFSET_SHIFT;
        if (index >= VFIO_PCI_NUM_REGIONS || (mapFlags & Linux.Map.SHARED) == 0 || index >= VFIO_PCI_ROM_REGION_INDEX) {
            throw new ErrnoException(Errno.EINVAL);
        }
        Bar bar = pdev.bar((int) index).filter(this::mmapSupported).orElseThrow(() -> new ErrnoException(Errno.EINVAL));
        long start = offset & OFFSET_MASK;
        long physLen = (bar.size() + Linux.PAGE_SIZE - 1) & -Linux.PAGE_SIZE;
        if (bar.ram().isEmpty()) {
            long pages = (length + Linux.PAGE_SIZE - 1) & -Linux.PAGE_SIZE;
            if (start + pages > physLen) {
                throw new ErrnoException(Errno.EINVAL);
            }
            return UserMemory.current().mapIo(length, prot, mapFlags, new VfioPciBarMapping(this, bar, start));
        }
        if (start + length > physLen || start + length > bar.size()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        // A mapping of its own over the BAR's pages: the user's munmap must not unmap the device's.
        return UserMemory.mapFile(bar.ram().orElseThrow().memfd(), start, length, prot, Linux.Map.SHARED);
    }

    /** vfio_pci_probe_mmaps for the calling process: memory BARs, register BARs only where it can map them. */
    private boolean mmapSupported(Bar bar) {
        return bar.type() != Bar.Type.IO
                && (bar.ram().isPresent() || UserMemory.current().mapsIo());
    }

    // ---- for the config, interrupt and region code ---------------------------------------------

    /** A config space access through the virtualisation (vfio_pci_config_rw). */
    synchronized void configRw(byte[] b, int off, boolean write) {
        config.rw(b, off, write);
    }

    boolean hasVga() {
        return hasVga;
    }

    /** An eventfd the calling process names by {@code fd} (EBADF, EINVAL as eventfd_ctx_fdget). */
    EventFdFile eventfd(int fd) {
        return EventFdFile.fromFd(kernel::fget, fd);
    }

    /** The ioeventfds registered now (for tests). */
    int ioeventfdCount() {
        return rdwr.ioeventfdCount();
    }

    /** The calling process's file at {@code fd} (fget). */
    OpenFile fget(int fd) {
        return kernel.fget(fd);
    }

    /** Whether the BARs answer memory accesses: the user's memory decode on, not runtime-suspended. */
    synchronized boolean memoryAccessible() {
        return !pmRuntimeEngaged && memoryEnabled();
    }

    PciFunction pdev() {
        return pdev;
    }

    VfioPciConfig config() {
        return config;
    }

    VfioPciIntrs intrs() {
        return intrs;
    }

    int msiCap() {
        return msiCap;
    }

    int msixCap() {
        return msixCap;
    }

    synchronized int powerState() {
        return powerState;
    }

    /** Whether INTx is masked with the function's DisINTx bit (else at the interrupt controller). */
    synchronized boolean pci23() {
        return pci23;
    }

    IntFunction<OpenFile> fget() {
        return kernel::fget;
    }

    /** Whether the user's memory decode is on and the function is in D0 (__vfio_pci_memory_enabled). */
    /** Open (between vfio_pci_core_enable and disable), so a hot reset must save and restore it. */
    synchronized boolean isOpen() {
        return intrs != null;
    }

    synchronized boolean memoryEnabled() {
        return config != null && config.memoryEnabled();
    }

    /** The user's PMCSR state write, carried out by vfio-pci. */
    synchronized void setPowerState(int state) {
        if (state >= 3) {
            dmaBufMove(true);
        }
        // vfio_pci_set_power_state: EBUSY below D0 while VFs are enabled, which the write ignores
        if (state == 0 || !sriovActive) {
            powerState = state;
            writePowerState(state);
        }
        if (config.memoryEnabled()) {
            dmaBufMove(false);
        }
    }

    private void writePowerState(int state) {
        int pm = findCap(CAP_ID_PM);
        if (pm != 0) {
            int ctrl = pdev.config().read(pm + PM_CTRL, 2);
            pdev.config().write(pm + PM_CTRL, 2, ctrl & ~PM_CTRL_STATE_MASK | state);
        }
    }

    /** Enables MSI with 2^qmax vectors at the host's address, data 0 (the model adds the vector). */
    void programMsi(int qmax, long address) {
        boolean is64 = (pdev.config().read(msiCap + MSI_FLAGS, 2) & MSI_FLAGS_64BIT) != 0;
        pdev.config().write(msiCap + MSI_ADDRESS_LO, 4, (int) address);
        if (is64) {
            pdev.config().write(msiCap + 8, 4, (int) (address >>> 32));
        }
        pdev.config().write(msiCap + (is64 ? 12 : 8), 2, 0);
        int flags = pdev.config().read(msiCap + MSI_FLAGS, 2) & ~MSI_FLAGS_QSIZE;
        pdev.config().write(msiCap + MSI_FLAGS, 2, flags | qmax << 4 | MSI_FLAGS_ENABLE);
    }

    /** Enables MSI-X with {@code nvec} unmasked entries carrying the vector number as data. */
    void programMsix(int nvec, long address) {
        int table = pdev.config().read(msixCap + MSIX_TABLE, 4);
        Bar bar = pdev.bar(table & MSIX_BIR).orElseThrow();
        long base = table & ~MSIX_BIR;
        for (int v = 0; v < nvec; v++) {
            long e = base + (long) v * MSIX_ENTRY_SIZE;
            bar.write(e, 4, address & 0xffffffffL);
            bar.write(e + 4, 4, address >>> 32);
            bar.write(e + 8, 4, v);
            bar.write(e + MSIX_ENTRY_VECTOR_CTRL, 4, 0);
        }
        int flags = pdev.config().read(msixCap + MSIX_FLAGS, 2) & ~MSIX_FLAGS_MASKALL;
        pdev.config().write(msixCap + MSIX_FLAGS, 2, flags | MSIX_FLAGS_ENABLE);
    }

    void disableMsi(boolean msix) {
        int cap = msix ? msixCap : msiCap;
        int enable = msix ? MSIX_FLAGS_ENABLE : MSI_FLAGS_ENABLE;
        pdev.config().write(cap + MSI_FLAGS, 2, pdev.config().read(cap + MSI_FLAGS, 2) & ~enable);
    }

    int msixBar() {
        return msixCap == 0 ? -1 : pdev.config().read(msixCap + MSIX_TABLE, 4) & MSIX_BIR;
    }

    int irqCountMsix() {
        return (pdev.config().read(msixCap + MSIX_FLAGS, 2) & MSIX_FLAGS_QSIZE) + 1;
    }

    private int findCap(int id) {
        if ((pdev.config().read(STATUS, 2) & STATUS_CAP_LIST) == 0) {
            return 0;
        }
        for (int pos = pdev.config().read(CAPABILITY_LIST, 1), n = 0; pos != 0 && n < 48; n++) {
            if (pdev.config().read(pos, 1) == id) {
                return pos;
            }
            pos = pdev.config().read(pos + CAP_LIST_NEXT, 1);
        }
        return 0;
    }
}
