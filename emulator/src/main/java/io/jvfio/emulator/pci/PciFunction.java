package io.jvfio.emulator.pci;

import static io.jvfio.emulator.pci.PciRegs.*;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * One PCI function as hardware: its configuration space, BARs, interrupt pin and MSI/MSI-X
 * machinery, reset, and the DMA port its device masters memory through. Devices build one with
 * {@link #builder} and keep it; the kernel side reaches the device only through it.
 *
 * <p>A function is one serialisation domain (as a QEMU device model under its big lock): config
 * accesses, BAR accesses, resets and the interrupt calls devices make all hold the function's
 * monitor, so device models need no locks of their own.
 */
public final class PciFunction {
    private static final int COMMAND_WRITABLE =
            COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | COMMAND_PARITY | COMMAND_SERR | COMMAND_INTX_DISABLE;

    private final ConfigSpace config;
    private final Bar[] bars = new Bar[6];
    private final MsiCapability msi;
    private final MsixCapability msix;
    private final SriovCapability sriov;
    private final PcieType pcieType;
    private final int pcieOffset;
    private final int acsOffset;
    private final Set<Integer> extendedCapabilityIds;
    private final Runnable resetHook;
    private final MigratableDevice migratable;
    private DmaWriteLog dmaWriteLog;
    private final boolean bridge;
    private PciAddress address;
    private DmaPort dmaPort = DmaPort.BLOCKED;
    private InterruptSink sink = InterruptSink.NONE;
    private boolean intxLine;
    private boolean intxAsserted;
    private final DmaPort busMasterPort = new BusMasterPort();

    private PciFunction(Builder b) {
        this.config = new ConfigSpace(this);
        this.bridge = b.bridge;
        this.resetHook = b.resetHook;
        this.migratable = b.migratable;
        this.pcieType = b.pcieType;
        this.pcieOffset = b.pcieOffset;
        this.acsOffset = b.acsOffset;
        this.extendedCapabilityIds =
                b.extendedCapabilities.values().stream().map(Capability::id).collect(Collectors.toUnmodifiableSet());
        writeHeader(b);
        for (BarSpec s : b.bars.values()) {
            bars[s.index] = new Bar(this, s.index, s.type, s.prefetchable, s.size, s.handler, s.ram);
            layOutBar(config, BASE_ADDRESS_0 + 4 * s.index, bars[s.index]);
        }
        linkCapabilities(b.capabilities);
        linkExtendedCapabilities(b.extendedCapabilities);
        for (Capability c : b.capabilities.values()) {
            c.body().accept(config);
        }
        for (Capability c : b.extendedCapabilities.values()) {
            c.body().accept(config);
        }
        this.msi =
                b.msiOffset < 0 ? null : new MsiCapability(config, b.msiOffset, b.msiVectors, b.msi64, b.msiMaskable);
        this.msix = b.msixOffset < 0
                ? null
                : new MsixCapability(
                        config,
                        b.msixOffset,
                        b.msixVectors,
                        b.msixTableBar,
                        b.msixTableOffset,
                        b.msixPbaBar,
                        b.msixPbaOffset);
        if (msix != null) {
            checkMsixPlacement(msix);
        }
        this.sriov = b.sriovOffset < 0
                ? null
                : new SriovCapability(
                        this, config, b.sriovOffset, b.sriovTotalVfs, b.sriovVfOffset, b.sriovVfStride, b.sriovVf);
        installHooks(b);
        config.sealPowerOnState();
    }

    public static Builder builder(int vendorId, int deviceId) {
        return new Builder(vendorId, deviceId, false);
    }

    /** A type 1 (PCI-to-PCI bridge) header, as root ports, switch ports and PCI bridges have. */
    static Builder bridgeBuilder(int vendorId, int deviceId) {
        return new Builder(vendorId, deviceId, true);
    }

    // ---- kernel side -------------------------------------------------------------------------

    /** Configuration space as the bus sees it. */
    public ConfigSpace config() {
        return config;
    }

    /**
     * Bytes of config space software can reach: 4096 for PCI Express functions, 256 for conventional
     * PCI ones (Linux's pci_cfg_space_size).
     */
    public int configSize() {
        return pcieType != null ? CFG_SPACE_EXP_SIZE : CFG_SPACE_SIZE;
    }

    /** The implemented BARs, by index (a 64-bit BAR occupies its index and the next). */
    public List<Bar> bars() {
        List<Bar> list = new ArrayList<>();
        for (Bar bar : bars) {
            if (bar != null) {
                list.add(bar);
            }
        }
        return Collections.unmodifiableList(list);
    }

    public Optional<Bar> bar(int index) {
        Objects.checkIndex(index, bars.length);
        return Optional.ofNullable(bars[index]);
    }

    /** The PCI Express port/device type, empty for a conventional PCI function. */
    public Optional<PcieType> pcieType() {
        return Optional.ofNullable(pcieType);
    }

    public boolean isBridge() {
        return bridge;
    }

    /** Header type bit 7: the device at this slot has more functions than function 0. */
    public synchronized boolean isMultifunction() {
        return (config.get(HEADER_TYPE, 1) & HEADER_TYPE_MULTIFUNCTION) != 0;
    }

    /** Whether the function advertises Function Level Reset (PCIe Device Capabilities). */
    public boolean supportsFlr() {
        return pcieType != null && (config.get(pcieOffset + EXP_DEVCAP, 4) & EXP_DEVCAP_FLR) != 0;
    }

    /** The address the topology placed this function at. */
    public synchronized PciAddress address() {
        if (address == null) {
            throw new IllegalStateException("function is not placed in a topology");
        }
        return address;
    }

    /**
     * Connects the function to memory and to interrupt delivery: the IOMMU's port for this
     * function's requester ID and the kernel's sink. Until then DMA faults and interrupts go nowhere.
     */
    public synchronized void attach(DmaPort port, InterruptSink interruptSink) {
        this.dmaPort = Objects.requireNonNull(port);
        this.sink = Objects.requireNonNull(interruptSink);
    }

    /**
     * Resets the function as a conventional reset does (FLR, secondary bus reset, slot reset): config
     * space, MSI-X table and the device's state back to power-on, INTx deasserted.
     */
    public synchronized void reset() {
        Runnable restoreSriov = sriov != null ? sriov.saveForReset() : () -> {};
        config.reset();
        restoreSriov.run();
        if (msix != null) {
            msix.reset();
        }
        intxLine = false;
        updateIntx();
        resetHook.run();
    }

    /** FLR, as writing Initiate FLR does; only for functions that advertise it. */
    public synchronized void functionLevelReset() {
        if (!supportsFlr()) {
            throw new UnsupportedOperationException("function does not support FLR");
        }
        reset();
    }

    /** The SR-IOV capability of a physical function, empty for any other function. */
    public Optional<SriovCapability> sriov() {
        return Optional.ofNullable(sriov);
    }

    /** The device's state for migration drivers, if the model can save and restore it. */
    public Optional<MigratableDevice> migratable() {
        return Optional.ofNullable(migratable);
    }

    /** Reports each completed DMA write to {@code log} from now on (null: no more). */
    public synchronized void logDmaWrites(DmaWriteLog log) {
        this.dmaWriteLog = log;
    }

    // ---- device side -------------------------------------------------------------------------

    /**
     * The port the device's DMA must go through: the attached IOMMU port, refused while bus
     * mastering (Command.Master) is off, as a real function cannot master the bus then.
     */
    public DmaPort dma() {
        return busMasterPort;
    }

    public synchronized boolean msiEnabled() {
        return msi != null && msi.enabled();
    }

    public synchronized boolean msixEnabled() {
        return msix != null && msix.enabled();
    }

    /** Sets the level of the function's INTx line; the pin follows unless INTx is disabled. */
    public synchronized void setIntx(boolean level) {
        intxLine = level;
        updateIntx();
    }

    /** Signals MSI vector {@code vector} (masked vectors go pending); nothing if MSI is off. */
    public synchronized void notifyMsi(int vector) {
        if (msi != null) {
            msi.notify(vector, this::deliver);
        }
    }

    /** Signals MSI-X vector {@code vector} (masked vectors go pending); nothing if MSI-X is off. */
    public synchronized void notifyMsix(int vector) {
        if (msix != null) {
            msix.notify(vector, v -> deliver(v.message()));
        }
    }

    // ---- internals -------------------------------------------------------------------------

    synchronized void place(PciAddress at, boolean multifunction) {
        this.address = at;
        int header = config.get(HEADER_TYPE, 1) & ~HEADER_TYPE_MULTIFUNCTION;
        config.set(HEADER_TYPE, 1, header | (multifunction ? HEADER_TYPE_MULTIFUNCTION : 0));
        if (sriov != null) {
            config.set(sriov.position() + SRIOV_FUNC_LINK, 1, at.function());
        }
        config.sealPowerOnState();
    }

    /** Whether the function has the extended capability {@code id} (PciRegs.EXT_CAP_ID_*). */
    public boolean hasExtendedCapability(int id) {
        return extendedCapabilityIds.contains(id);
    }

    /** Offset of the ACS extended capability, or -1. */
    int acsOffset() {
        return acsOffset;
    }

    synchronized long barRead(Bar bar, long offset, int size) {
        if (msix != null && msix.inTable(bar.index(), offset)) {
            return msix.readTable(offset, size);
        }
        if (msix != null && msix.inPba(bar.index(), offset)) {
            return msix.readPba(offset, size);
        }
        return bar.deviceRead(offset, size);
    }

    synchronized void barWrite(Bar bar, long offset, int size, long value) {
        if (msix != null && msix.inTable(bar.index(), offset)) {
            msix.writeTable(offset, size, value, v -> deliver(v.message()));
        } else if (msix == null || !msix.inPba(bar.index(), offset)) {
            bar.deviceWrite(offset, size, value);
        }
    }

    private void deliver(MsiMessage message) {
        // An MSI is a memory write by the function: without Bus Master Enable it never leaves it.
        // QEMU drops it the same way (seen with edu in the test VM), so drivers must set the bit.
        if ((config.get(COMMAND, 2) & COMMAND_MASTER) != 0) {
            sink.msi(this, message);
        }
    }

    private void updateIntx() {
        int status = config.get(STATUS, 2);
        config.set(STATUS, 2, intxLine ? status | STATUS_INTERRUPT : status & ~STATUS_INTERRUPT);
        boolean disabled = (config.get(COMMAND, 2) & COMMAND_INTX_DISABLE) != 0
                || (msi != null && msi.enabled())
                || (msix != null && msix.enabled());
        boolean asserted = intxLine && !disabled;
        if (asserted != intxAsserted) {
            intxAsserted = asserted;
            sink.intx(this, asserted);
        }
    }

    private void writeHeader(Builder b) {
        config.set(VENDOR_ID, 2, b.vendorId);
        config.set(DEVICE_ID, 2, b.deviceId);
        config.set(CLASS_REVISION, 4, b.classCode << 8 | b.revision);
        config.set(HEADER_TYPE, 1, bridge ? HEADER_TYPE_BRIDGE : HEADER_TYPE_NORMAL);
        config.mask(COMMAND, 2, COMMAND_WRITABLE, 0);
        config.mask(STATUS, 2, 0, STATUS_W1C);
        config.mask(CACHE_LINE_SIZE, 1, 0xff, 0);
        config.mask(INTERRUPT_LINE, 1, 0xff, 0);
        config.set(INTERRUPT_PIN, 1, b.intx ? 1 : 0);
        if (bridge) {
            config.mask(PRIMARY_BUS, 4, 0x00ffffff, 0);
            config.mask(0x1c, 2, 0xf0f0, 0); // I/O base/limit
            config.mask(0x1e, 2, 0, STATUS_W1C); // secondary status
            config.mask(0x20, 4, 0xfff0fff0, 0); // memory base/limit
            config.mask(0x24, 4, 0xfff0fff0, 0); // prefetchable base/limit
            config.set(0x24, 4, 0x00010001); // 64-bit prefetchable window
            config.mask(0x28, 4, 0xffffffff, 0);
            config.mask(0x2c, 4, 0xffffffff, 0);
            config.mask(BRIDGE_CONTROL, 2, 0x0fff, 0);
        } else {
            config.set(SUBSYSTEM_VENDOR_ID, 2, b.subsystemVendorId);
            config.set(SUBSYSTEM_ID, 2, b.subsystemId);
        }
    }

    /**
     * BAR sizing falls out of the mask: only address bits above the size are writable. {@code reg}
     * is the BAR's register: in the header, or in an SR-IOV capability for the VFs' BARs.
     */
    static void layOutBar(ConfigSpace config, int reg, Bar bar) {
        long sizeMask = ~(bar.size() - 1);
        int lowFlags = bar.type() == Bar.Type.IO ? 0x3 : 0xf;
        config.set(reg, 4, bar.registerFlags());
        config.mask(reg, 4, (int) sizeMask & ~lowFlags, 0);
        if (bar.type() == Bar.Type.MEMORY_64) {
            config.mask(reg + 4, 4, (int) (sizeMask >>> 32), 0);
        }
    }

    private void linkCapabilities(NavigableMap<Integer, Capability> caps) {
        int next = 0;
        for (int off : caps.descendingKeySet()) {
            Capability c = caps.get(off);
            config.set(off, 1, c.id());
            config.set(off + CAP_LIST_NEXT, 1, next);
            next = off;
        }
        if (next != 0) {
            config.set(CAPABILITY_LIST, 1, next);
            config.set(STATUS, 2, STATUS_CAP_LIST);
        }
    }

    private void linkExtendedCapabilities(NavigableMap<Integer, Capability> caps) {
        int next = 0;
        for (int off : caps.descendingKeySet()) {
            Capability c = caps.get(off);
            config.set(off, 4, next << 20 | c.version() << 16 | c.id());
            next = off;
        }
    }

    private void checkMsixPlacement(MsixCapability m) {
        checkInBar("MSI-X table", m.tableBar, m.tableOffset, m.tableBytes());
        checkInBar("MSI-X PBA", m.pbaBar, m.pbaOffset, m.pbaBytes());
    }

    private void checkInBar(String what, int index, long offset, long length) {
        Bar bar = index < bars.length ? bars[index] : null;
        if (bar == null || bar.ram().isPresent() || offset + length > bar.size()) {
            throw new IllegalArgumentException(what + " must lie inside MMIO BAR" + index);
        }
    }

    private void installHooks(Builder b) {
        config.onWrite(COMMAND, 2, (o, s, v) -> updateIntx());
        if (msi != null) {
            config.onWrite(b.msiOffset + MSI_FLAGS, 2, (o, s, v) -> updateIntx());
            if (msi.maskRegister() >= 0) {
                config.onWrite(msi.maskRegister(), 4, (o, s, v) -> msi.deliverUnmaskedPending(this::deliver));
            }
        }
        if (msix != null) {
            config.onWrite(b.msixOffset + MSIX_FLAGS, 2, (o, s, v) -> {
                updateIntx();
                msix.deliverUnmaskedPending(x -> deliver(x.message()));
            });
        }
        if (pcieType != null) {
            int devctl = pcieOffset + EXP_DEVCTL;
            config.onWrite(devctl, 2, (o, s, v) -> {
                long bits = v & 0xffffffffL;
                int written = (int) (o <= devctl ? bits >>> (8 * (devctl - o)) : bits << (8 * (o - devctl)));
                if ((written & EXP_DEVCTL_BCR_FLR) != 0 && supportsFlr()) {
                    reset();
                }
            });
        }
    }

    private final class BusMasterPort implements DmaPort {
        @Override
        public void read(long iova, MemorySegment dst) throws DmaFaultException {
            portFor(iova, false).read(iova, dst);
        }

        @Override
        public void write(long iova, MemorySegment src) throws DmaFaultException {
            portFor(iova, true).write(iova, src);
            DmaWriteLog log;
            synchronized (PciFunction.this) {
                log = dmaWriteLog;
            }
            if (log != null) {
                log.written(iova, src.byteSize());
            }
        }

        private DmaPort portFor(long iova, boolean write) throws DmaFaultException {
            synchronized (PciFunction.this) {
                if ((config.get(COMMAND, 2) & COMMAND_MASTER) == 0) {
                    throw new DmaFaultException(iova, write, "bus mastering is disabled");
                }
                return dmaPort;
            }
        }
    }

    private record BarSpec(
            int index, Bar.Type type, boolean prefetchable, long size, MmioHandler handler, BarMemory ram) {}

    private record Capability(int id, int version, int length, Consumer<ConfigSpace> body) {}

    /** Declares a function: identity, BARs, capabilities (at explicit offsets, as devices place them). */
    public static final class Builder {
        private final int vendorId;
        private final int deviceId;
        private final boolean bridge;
        private int classCode;
        private int revision;
        private int subsystemVendorId;
        private int subsystemId;
        private boolean intx;
        private final TreeMap<Integer, BarSpec> bars = new TreeMap<>();
        private final TreeMap<Integer, Capability> capabilities = new TreeMap<>();
        private final TreeMap<Integer, Capability> extendedCapabilities = new TreeMap<>();
        private int msiOffset = -1;
        private int msiVectors;
        private boolean msi64;
        private boolean msiMaskable;
        private int msixOffset = -1;
        private int msixVectors;
        private int msixTableBar;
        private long msixTableOffset;
        private int msixPbaBar;
        private long msixPbaOffset;
        private PcieType pcieType;
        private int pcieOffset = -1;
        private int acsOffset = -1;
        private Runnable resetHook = () -> {};
        private MigratableDevice migratable;
        private int sriovOffset = -1;
        private int sriovTotalVfs;
        private int sriovVfOffset;
        private int sriovVfStride;
        private IntFunction<PciFunction> sriovVf;

        private Builder(int vendorId, int deviceId, boolean bridge) {
            this.vendorId = checkBits("vendor ID", vendorId, 16);
            this.deviceId = checkBits("device ID", deviceId, 16);
            this.bridge = bridge;
        }

        /** Class code: base class, subclass, programming interface (for example 0x010802). */
        public Builder classCode(int code) {
            this.classCode = checkBits("class code", code, 24);
            return this;
        }

        public Builder revision(int rev) {
            this.revision = checkBits("revision", rev, 8);
            return this;
        }

        public Builder subsystem(int vendor, int id) {
            this.subsystemVendorId = checkBits("subsystem vendor ID", vendor, 16);
            this.subsystemId = checkBits("subsystem ID", id, 16);
            return this;
        }

        /** The function has an INTx pin (INTA). */
        public Builder intx() {
            this.intx = true;
            return this;
        }

        /** A memory BAR of {@code size} bytes (a power of two, at least 16) served by {@code handler}. */
        public Builder memoryBar(int index, long size, boolean is64, boolean prefetchable, MmioHandler handler) {
            return addBar(new BarSpec(
                    index,
                    is64 ? Bar.Type.MEMORY_64 : Bar.Type.MEMORY_32,
                    prefetchable,
                    size,
                    Objects.requireNonNull(handler),
                    null));
        }

        /** A memory BAR backed by {@code ram}, whose size is the BAR's. */
        public Builder ramBar(int index, BarMemory ram, boolean is64, boolean prefetchable) {
            return addBar(new BarSpec(
                    index, is64 ? Bar.Type.MEMORY_64 : Bar.Type.MEMORY_32, prefetchable, ram.size(), null, ram));
        }

        /** An I/O-space BAR of 4..256 bytes. */
        public Builder ioBar(int index, long size, MmioHandler handler) {
            if (size > 256) {
                throw new IllegalArgumentException("I/O BARs are at most 256 bytes: " + size);
            }
            return addBar(new BarSpec(index, Bar.Type.IO, false, size, Objects.requireNonNull(handler), null));
        }

        /** Power Management capability (version 3, D0/D3hot through PMCSR). */
        public Builder powerManagement(int offset) {
            return capability(offset, CAP_ID_PM, 8, c -> {
                c.set(offset + 2, 2, 0x0003);
                c.mask(offset + PM_CTRL, 2, PM_CTRL_STATE_MASK, 0x8000);
            });
        }

        /** MSI capability with {@code vectors} (power of two) vectors, 64-bit address and/or masking. */
        public Builder msi(int offset, int vectors, boolean addr64, boolean maskable) {
            capability(offset, CAP_ID_MSI, MsiCapability.length(addr64, maskable), c -> {});
            msiOffset = offset;
            msiVectors = vectors;
            msi64 = addr64;
            msiMaskable = maskable;
            return this;
        }

        /** MSI-X capability; its table and PBA live at the given offsets of the given MMIO BARs. */
        public Builder msix(int offset, int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset) {
            capability(offset, CAP_ID_MSIX, MsixCapability.LENGTH, c -> {});
            msixOffset = offset;
            msixVectors = vectors;
            msixTableBar = tableBar;
            msixTableOffset = tableOffset;
            msixPbaBar = pbaBar;
            msixPbaOffset = pbaOffset;
            return this;
        }

        /** PCI Express capability (version 2) of the given type; {@code flr} advertises FLR. */
        public Builder pciExpress(int offset, PcieType type, boolean flr) {
            return pciExpress(offset, type, flr, false);
        }

        Builder pciExpress(int offset, PcieType type, boolean flr, boolean hotplugSlot) {
            capability(offset, CAP_ID_EXP, EXP_SIZEOF_V2, c -> {
                c.set(offset + EXP_FLAGS, 2, 0x2 | type.code() << 4 | (hotplugSlot ? EXP_FLAGS_SLOT : 0));
                c.set(offset + EXP_DEVCAP, 4, flr ? EXP_DEVCAP_FLR : 0);
                // Relaxed ordering, no-snoop, MPS, MRRS and the error-reporting enables.
                c.mask(offset + EXP_DEVCTL, 2, 0x7eff, 0);
                c.set(offset + EXP_DEVCTL, 2, 0x2810);
                c.mask(offset + EXP_DEVSTA, 2, 0, 0x000f);
                c.set(offset + EXP_LNKCAP, 4, 0x00000411); // 2.5 GT/s, x1, ASPM L0s
                c.mask(offset + EXP_LNKCTL, 2, 0x01c3, 0);
                c.set(offset + EXP_LNKSTA, 2, 0x0011 | (type.isPort() ? 0x2000 : 0));
                if (hotplugSlot) {
                    c.set(offset + EXP_SLTCAP, 4, EXP_SLTCAP_HPC);
                }
            });
            pcieType = type;
            pcieOffset = offset;
            return this;
        }

        /** Vendor-specific capability carrying {@code body} (read-only) after its 3-byte header. */
        public Builder vendorCapability(int offset, byte[] body) {
            byte[] copy = body.clone();
            return capability(offset, CAP_ID_VNDR, 3 + copy.length, c -> {
                c.set(offset + 2, 1, 3 + copy.length);
                for (int i = 0; i < copy.length; i++) {
                    c.set(offset + 3 + i, 1, copy[i]);
                }
            });
        }

        /**
         * ACS extended capability with the given capability bits (PciRegs.ACS_*); the matching
         * control bits are writable, and start cleared until the kernel enables them.
         */
        public Builder acs(int offset, int capabilities) {
            extendedCapability(offset, EXT_CAP_ID_ACS, 1, 8, c -> {
                c.set(offset + ACS_CAP, 2, capabilities);
                c.mask(offset + ACS_CTRL, 2, capabilities & 0x7f, 0);
            });
            acsOffset = offset;
            return this;
        }

        /**
         * The ATS extended capability at {@code offset} and the PRI one right after it: the IOMMU
         * enables both at probe, and the function's DMA to pages not present in its domain then
         * becomes page requests (docs/iommu.md). The registers read as zero.
         */
        public Builder atsAndPri(int offset) {
            extendedCapability(offset, EXT_CAP_ID_ATS, 1, new byte[4]);
            return extendedCapability(offset + 8, EXT_CAP_ID_PRI, 1, new byte[12]);
        }

        /**
         * The SR-IOV extended capability of a physical function with up to {@code totalVfs} VFs, VF
         * {@code n} at the PF's routing ID plus {@code vfOffset + n * vfStride}; {@code vf} makes VF
         * {@code n} (an ordinary function, whose device ID and BARs the capability advertises as
         * the VF Device ID and the VF BARs). VF 0 is made now.
         */
        public Builder sriov(int offset, int totalVfs, int vfOffset, int vfStride, IntFunction<PciFunction> vf) {
            extendedCapability(offset, EXT_CAP_ID_SRIOV, 1, SRIOV_SIZEOF, c -> {});
            sriovOffset = offset;
            sriovTotalVfs = totalVfs;
            sriovVfOffset = vfOffset;
            sriovVfStride = vfStride;
            sriovVf = Objects.requireNonNull(vf);
            return this;
        }

        /** A read-only extended capability with {@code body} after its 4-byte header. */
        public Builder extendedCapability(int offset, int id, int version, byte[] body) {
            byte[] copy = body.clone();
            return extendedCapability(offset, id, version, 4 + copy.length, c -> {
                for (int i = 0; i < copy.length; i++) {
                    c.set(offset + 4 + i, 1, copy[i]);
                }
            });
        }

        /** The model's state, for migration drivers. */
        public Builder migratable(MigratableDevice device) {
            this.migratable = Objects.requireNonNull(device);
            return this;
        }

        /** The device's own reset: runs after config space is back at power-on. */
        public Builder onReset(Runnable hook) {
            this.resetHook = Objects.requireNonNull(hook);
            return this;
        }

        public PciFunction build() {
            if (pcieType == null && !extendedCapabilities.isEmpty()) {
                throw new IllegalStateException("extended capabilities need a PCI Express function");
            }
            return new PciFunction(this);
        }

        private Builder addBar(BarSpec s) {
            int max = bridge ? 2 : 6;
            int slots = s.type() == Bar.Type.MEMORY_64 ? 2 : 1;
            if (s.index() < 0 || s.index() + slots > max) {
                throw new IllegalArgumentException("BAR index " + s.index() + " does not fit the header");
            }
            long min = s.type() == Bar.Type.IO ? 4 : 16;
            if (Long.bitCount(s.size()) != 1 || s.size() < min) {
                throw new IllegalArgumentException(
                        "BAR size must be a power of two of at least " + min + " bytes: " + s.size());
            }
            if (s.type() == Bar.Type.MEMORY_32 && s.size() > 1L << 31) {
                throw new IllegalArgumentException("32-bit BARs are at most 2 GiB");
            }
            for (int i = s.index(); i < s.index() + slots; i++) {
                BarSpec below =
                        bars.floorEntry(i) == null ? null : bars.floorEntry(i).getValue();
                if (below != null && below.index() + (below.type() == Bar.Type.MEMORY_64 ? 2 : 1) > i) {
                    throw new IllegalArgumentException("BAR" + s.index() + " overlaps BAR" + below.index());
                }
            }
            if (bars.ceilingKey(s.index()) != null && bars.ceilingKey(s.index()) < s.index() + slots) {
                throw new IllegalArgumentException("BAR" + s.index() + " overlaps BAR" + bars.ceilingKey(s.index()));
            }
            bars.put(s.index(), s);
            return this;
        }

        private Builder capability(int offset, int id, int length, Consumer<ConfigSpace> body) {
            if (offset < 0x40 || offset + length > CFG_SPACE_SIZE || offset % 4 != 0) {
                throw new IllegalArgumentException(
                        String.format("capability 0x%x at 0x%x: must be dword-aligned within 0x40..0xff", id, offset));
            }
            checkFree(capabilities, offset, length, "capability");
            capabilities.put(offset, new Capability(id, 0, length, body));
            return this;
        }

        private Builder extendedCapability(int offset, int id, int version, int length, Consumer<ConfigSpace> body) {
            if (offset < CFG_SPACE_SIZE || offset + length > CFG_SPACE_EXP_SIZE || offset % 4 != 0) {
                throw new IllegalArgumentException(String.format(
                        "extended capability 0x%x at 0x%x: must be dword-aligned within 0x100..0xfff", id, offset));
            }
            checkFree(extendedCapabilities, offset, length, "extended capability");
            extendedCapabilities.put(offset, new Capability(id, version, length, body));
            return this;
        }

        private static void checkFree(NavigableMap<Integer, Capability> caps, int offset, int length, String what) {
            var below = caps.floorEntry(offset + length - 1);
            if (below != null && below.getKey() + below.getValue().length() > offset) {
                throw new IllegalArgumentException(
                        String.format("%s at 0x%x overlaps the one at 0x%x", what, offset, below.getKey()));
            }
        }

        private static int checkBits(String what, int value, int bits) {
            if (value < 0 || value >= 1 << bits) {
                throw new IllegalArgumentException(what + " does not fit in " + bits + " bits: " + value);
            }
            return value;
        }
    }
}
