package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.Harness.FIXED;
import static io.jvfio.emulator.iommufd.Harness.PAGE;
import static io.jvfio.emulator.iommufd.Harness.RW;
import static io.jvfio.emulator.iommufd.IommufdDevice.NO_PASID;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.iommufd.IommuHwInfoVtd;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.abi.iommufd.IommuHwptInvalidate;
import io.jvfio.abi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.abi.iommufd.IommuHwptVtdS1;
import io.jvfio.abi.iommufd.IommuHwptVtdS1Invalidate;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.iommu.Access;
import io.jvfio.emulator.iommu.FaultReason;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.IommuFault;
import io.jvfio.emulator.iommu.PciIommu;
import io.jvfio.emulator.iommu.VtdCapabilities;
import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.InterruptSink;
import io.jvfio.emulator.pci.PciAddress;
import io.jvfio.emulator.pci.PciFunction;
import io.jvfio.emulator.pci.PciNode;
import io.jvfio.emulator.pci.PciRegs;
import io.jvfio.emulator.pci.PciTopology;
import io.jvfio.emulator.pci.PcieType;
import io.jvfio.testkit.IommufdCalls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * VT-d nesting through iommufd with a PCI function doing DMA: the emulated unit's capabilities,
 * the intel driver's allocation and attach checks, first-stage tables the test writes into guest
 * memory (memory mapped in the parent's IOAS at {@link #GPA}), faults of either stage, the IOTLB's
 * caching of first-stage translations until HWPT_INVALIDATE, and strict parent unmaps.
 */
class VtdNestingTest {
    /** Guest "RAM": {@link #GUEST_PAGES} pages at this IOVA of the parent (the guest-physical address). */
    private static final long GPA = 0x4000_0000L;

    private static final int GUEST_PAGES = 16;
    /** The first-stage tables: one per level (PML4, PDPT, PD, PT) in guest pages 0..3. */
    private static final int PT_PAGE = 3;
    /** Device addresses: one 2 MiB region, so one table per level serves them all. */
    private static final long VA = 0x7f12_3400_0000L;

    private static final long P = 1;
    private static final long W = 1 << 1;
    private static final long US = 1 << 2;
    private static final long A = 1 << 5;
    private static final long D = 1 << 6;
    private static final int VTD_S1 = IommuHwptInvalidate.HWPT_INVALIDATE_DATA_VTD_S1;
    private static final long INV = IommuHwptVtdS1Invalidate.DEF.size();

    private Harness h;
    private IommuDevice dev;
    private PciFunction fn;
    private IommufdDevice idev;
    private int ioas;
    private MemorySegment guest;

    private void boot(VtdCapabilities caps) {
        PciTopology t = PciTopology.build(List.of(PciNode.endpoint(
                6,
                0,
                PciFunction.builder(0x1234, 0x11e8)
                        .pciExpress(0x40, PcieType.ENDPOINT, true)
                        .build())));
        dev = PciIommu.probe(t, caps).device(PciAddress.parse("00:06.0")).orElseThrow();
        fn = t.function(PciAddress.parse("00:06.0")).orElseThrow();
        fn.attach(dev.dmaPort(), InterruptSink.NONE);
        fn.config().write(PciRegs.COMMAND, 2, PciRegs.COMMAND_MASTER);
        h = new Harness();
        ioas = h.ioasAlloc();
        idev = IommufdDevice.bind(h.ctx, dev);
        guest = h.buffer(GUEST_PAGES * PAGE);
        h.map(ioas, RW | FIXED, guest.address(), guest.byteSize(), GPA);
        // PML4 -> PDPT -> PD -> PT for VA.
        for (int level = 3; level > 0; level--) {
            setEntry(3 - level, VA, level, GPA + (4 - level) * PAGE | P | W | US);
        }
    }

    private void boot() {
        boot(VtdCapabilities.EMULATED);
    }

    @AfterEach
    void tearDown() {
        if (h != null) {
            idev.detach(NO_PASID);
            idev.unbind();
            h.close();
        }
    }

    /** Writes the entry for {@code va} at {@code level} in the table in guest page {@code page}. */
    private void setEntry(int page, long va, int level, long pte) {
        guest.set(ValueLayout.JAVA_LONG, page * PAGE + ((va >>> (12 + 9 * level)) & 511) * 8, pte);
    }

    private long entry(int page, long va, int level) {
        return guest.get(ValueLayout.JAVA_LONG, page * PAGE + ((va >>> (12 + 9 * level)) & 511) * 8);
    }

    /** Maps the 4 KiB page {@code va} to guest page {@code guestPage} with {@code bits} (P implied). */
    private void s1Map(long va, int guestPage, long bits) {
        setEntry(PT_PAGE, va, 0, GPA + guestPage * PAGE | P | bits);
    }

    private int parent(int flags) {
        return h.hwptAlloc(idev.id(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT | flags, 0);
    }

    private int nested(int parent) {
        return h.hwptAllocVtdS1(idev.id(), parent, 0, 0, GPA, 48);
    }

    /** A nest parent with a nested HWPT on it, the device attached to the nested one. */
    private int attachedNested() {
        int nested = nested(parent(0));
        idev.attach(NO_PASID, nested);
        return nested;
    }

    private void write(long iova, byte value, int length) {
        MemorySegment src = h.arena.allocate(length);
        src.fill(value);
        try {
            fn.dma().write(iova, src);
        } catch (DmaFaultException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte read(long iova) {
        MemorySegment dst = h.arena.allocate(1);
        try {
            fn.dma().read(iova, dst);
        } catch (DmaFaultException e) {
            throw new IllegalStateException(e);
        }
        return dst.get(ValueLayout.JAVA_BYTE, 0);
    }

    private byte guestByte(int page, long offset) {
        return guest.get(ValueLayout.JAVA_BYTE, page * PAGE + offset);
    }

    private IommuFault lastFault() {
        return dev.iommu().faultLog().getLast();
    }

    /** One s1 invalidation entry array of (addr, npages, flags) triples, {@code INV} bytes apart. */
    private MemorySegment entries(long... addrNpagesFlags) {
        MemorySegment a = h.buffer(PAGE);
        for (int i = 0; i < addrNpagesFlags.length / 3; i++) {
            MemorySegment e = a.asSlice(i * INV, INV);
            IommuHwptVtdS1Invalidate.ADDR.set(e, addrNpagesFlags[3 * i]);
            IommuHwptVtdS1Invalidate.NPAGES.set(e, addrNpagesFlags[3 * i + 1]);
            IommuHwptVtdS1Invalidate.FLAGS.set(e, (int) addrNpagesFlags[3 * i + 2]);
        }
        return a;
    }

    private void invalidate(int hwpt, long addr, long npages) {
        h.ioctl(
                IommufdIoctl.IOMMU_HWPT_INVALIDATE,
                h.hwptInvalidateStruct(hwpt, VTD_S1, INV, entries(addr, npages, 0), 1));
    }

    @Test
    @DisplayName(
            "GET_HW_INFO: the unit's cap/ecap with nesting, second stage and SSADS (no FLTS), and the erratum flag")
    void hwInfo() {
        boot();
        IommufdCalls.HwInfo info = h.hwInfo(idev.id());
        assertThat(info.type()).isEqualTo(IommuHwInfo.TYPE_INTEL_VTD);
        assertThat(info.dataLen()).isEqualTo((int) IommuHwInfoVtd.DEF.size());
        assertThat(IommuHwInfoVtd.FLAGS.get(info.data())).isEqualTo(IommuHwInfoVtd.ERRATA_772415_SPR17);
        long ecap = IommuHwInfoVtd.ECAP_REG.get(info.data());
        long cap = IommuHwInfoVtd.CAP_REG.get(info.data());
        for (long bit : new long[] {
            VtdCapabilities.ECAP_NEST,
            VtdCapabilities.ECAP_SLTS,
            VtdCapabilities.ECAP_SLADS,
            VtdCapabilities.ECAP_SMTS,
            VtdCapabilities.ECAP_SMPWC
        }) {
            assertThat(ecap & bit).as("ecap bit %x", bit).isNotZero();
        }
        // No FLTS: with it, 7.2 would make flag-less paging domains first-stage, which is not modelled.
        assertThat(ecap
                        & (VtdCapabilities.ECAP_PASID
                                | VtdCapabilities.ECAP_SRS
                                | VtdCapabilities.ECAP_EAFS
                                | VtdCapabilities.ECAP_FLTS))
                .isZero();
        assertThat((cap >>> VtdCapabilities.CAP_MGAW_SHIFT & 0x3f) + 1).isEqualTo(48);
        assertThat(cap & VtdCapabilities.CAP_FL1GP).isNotZero();
        assertThat(cap & VtdCapabilities.CAP_FL5LP).isZero();
    }

    @Test
    @DisplayName("HWPT_ALLOC of a VT-d nested HWPT: generic checks, then the driver's, in 7.2's order")
    void allocationChecks() {
        boot();
        int plain = h.hwptAlloc(idev.id(), ioas, 0, 0);
        int parent = parent(0);
        // A paging HWPT without NEST_PARENT cannot be a parent.
        assertThat(errno(() -> nested(plain))).isEqualTo(Errno.EINVAL);
        // Flags other than FAULT_ID_VALID/PASID: iommufd's EOPNOTSUPP.
        assertThat(errno(() -> h.hwptAllocVtdS1(idev.id(), parent, IommuHwptAlloc.ALLOC_DIRTY_TRACKING, 0, GPA, 48)))
                .isEqualTo(Errno.EOPNOTSUPP);
        // VT-d data on an IOAS: paging domains take no data.
        assertThat(errno(() -> h.hwptAllocVtdS1(idev.id(), ioas, 0, 0, GPA, 48)))
                .isEqualTo(Errno.EOPNOTSUPP);
        // Another data type: the driver's EOPNOTSUPP; a short struct: EINVAL.
        MemorySegment data = h.buffer(PAGE);
        MemorySegment c = IommuHwptAlloc.DEF.allocate(h.arena);
        IommuHwptAlloc.SIZE.set(c, (int) IommuHwptAlloc.DEF.size());
        IommuHwptAlloc.DEV_ID.set(c, idev.id());
        IommuHwptAlloc.PT_ID.set(c, parent);
        IommuHwptAlloc.DATA_TYPE.set(c, IommufdTestConst.IOMMU_HWPT_DATA_SELFTEST);
        IommuHwptAlloc.DATA_LEN.set(c, (int) IommuHwptVtdS1.DEF.size());
        IommuHwptAlloc.DATA_UPTR.set(c, data.address());
        assertThat(errno(() -> h.ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c))).isEqualTo(Errno.EOPNOTSUPP);
        IommuHwptAlloc.DATA_TYPE.set(c, IommuHwptAlloc.DATA_VTD_S1);
        IommuHwptAlloc.DATA_LEN.set(c, 16);
        assertThat(errno(() -> h.ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c))).isEqualTo(Errno.EINVAL);
        // Any address width and flags are taken here: the unit checks them at attach.
        h.destroy(h.hwptAllocVtdS1(idev.id(), parent, 0, -1L, GPA, 39));
        int nested = nested(parent);
        // The parent is held; the nested HWPT cannot be a parent itself.
        assertThat(errno(() -> h.destroy(parent))).isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> nested(nested))).isEqualTo(Errno.EINVAL);
        h.destroy(nested);
        h.destroy(parent);
        h.destroy(plain);
    }

    @Test
    @DisplayName("a unit without NEST refuses NEST_PARENT paging HWPTs (EOPNOTSUPP); without SSADS, dirty tracking")
    void capabilitiesGateAllocation() {
        boot(VtdCapabilities.EMULATED.withoutEcap(VtdCapabilities.ECAP_NEST | VtdCapabilities.ECAP_SLADS));
        assertThat(errno(() -> parent(0))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> h.hwptAlloc(idev.id(), ioas, IommuHwptAlloc.ALLOC_DIRTY_TRACKING, 0)))
                .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(dev.dirtyTracking()).isFalse();
    }

    @Test
    @DisplayName("attach checks the first stage against the unit: address width 48 only (no FL5LP), no SRE, no EAFE")
    void attachChecksTheFirstStage() {
        boot();
        int parent = parent(0);
        for (long[] bad : new long[][] {{0, 39}, {0, 57}, {IommuHwptVtdS1.SRE, 48}, {IommuHwptVtdS1.EAFE, 48}}) {
            int n = h.hwptAllocVtdS1(idev.id(), parent, 0, bad[0], GPA, (int) bad[1]);
            assertThat(errno(() -> idev.attach(NO_PASID, n)))
                    .as("flags %d width %d", bad[0], bad[1])
                    .isEqualTo(Errno.EINVAL);
            h.destroy(n);
        }
        // WPE only matters with SRE: accepted.
        int wpe = h.hwptAllocVtdS1(idev.id(), parent, 0, IommuHwptVtdS1.WPE, GPA, 48);
        idev.attach(NO_PASID, wpe);
        assertThat(dev.dma().domain()).isPresent();
    }

    @Test
    @DisplayName(
            "DMA through both stages: data lands in the page the first stage names; A on every level, D on the written leaf")
    void roundTrip() {
        boot();
        attachedNested();
        s1Map(VA, 8, W | US);
        s1Map(VA + PAGE, 9, US);
        write(VA + 0x10, (byte) 0x5a, 64);
        assertThat(guestByte(8, 0x10)).isEqualTo((byte) 0x5a);
        assertThat(guestByte(8, 0x10 + 64)).isZero();
        assertThat(read(VA + 0x20)).isEqualTo((byte) 0x5a);
        assertThat(entry(PT_PAGE, VA, 0) & (A | D)).isEqualTo(A | D);
        for (int level = 3; level > 0; level--) {
            assertThat(entry(3 - level, VA, level) & A).isEqualTo(A);
        }
        // A read sets A only.
        guest.set(ValueLayout.JAVA_BYTE, 9 * PAGE, (byte) 7);
        assertThat(read(VA + PAGE)).isEqualTo((byte) 7);
        assertThat(entry(PT_PAGE, VA + PAGE, 0) & (A | D)).isEqualTo(A);
        assertThat(dev.iommu().faultCount()).isZero();
    }

    @Test
    @DisplayName(
            "faults: first-stage not present, read-only, supervisor-only; a table page or output not mapped in the parent")
    void faults() {
        boot();
        int nested = attachedNested();
        int domainId = dev.dma().domain().orElseThrow().id();
        s1Map(VA, 8, US);
        assertThatThrownBy(() -> write(VA, (byte) 1, 8)).hasCauseInstanceOf(DmaFaultException.class);
        assertThat(lastFault())
                .isEqualTo(new IommuFault(dev.dma().deviceId(), domainId, VA, Access.WRITE, FaultReason.PERMISSION, 1));
        assertThat(guestByte(8, 0)).isZero();
        assertThat(read(VA)).isZero();

        assertThatThrownBy(() -> read(VA + PAGE)).hasCauseInstanceOf(DmaFaultException.class);
        assertThat(lastFault().reason()).isEqualTo(FaultReason.NOT_PRESENT);
        assertThat(lastFault().stage()).isEqualTo(IommuFault.STAGE_FIRST);

        s1Map(VA + 2 * PAGE, 10, W);
        assertThatThrownBy(() -> read(VA + 2 * PAGE)).hasCauseInstanceOf(DmaFaultException.class);
        assertThat(lastFault().reason()).isEqualTo(FaultReason.PERMISSION);

        // The output page is outside the guest memory the parent maps.
        setEntry(PT_PAGE, VA + 3 * PAGE, 0, GPA + 64 * PAGE | P | W | US);
        assertThatThrownBy(() -> read(VA + 3 * PAGE)).hasCauseInstanceOf(DmaFaultException.class);
        assertThat(lastFault().reason()).isEqualTo(FaultReason.NOT_PRESENT);
        assertThat(lastFault().stage()).isEqualTo(IommuFault.STAGE_PAGING);

        // A page table page the parent does not map: the walk itself faults in the second stage.
        long other = VA + (1L << 21);
        setEntry(2, other, 1, GPA + 64 * PAGE | P | W | US);
        assertThatThrownBy(() -> read(other)).hasCauseInstanceOf(DmaFaultException.class);
        assertThat(lastFault().reason()).isEqualTo(FaultReason.NOT_PRESENT);
        assertThat(lastFault().stage()).isEqualTo(IommuFault.STAGE_PAGING);

        // Not canonical for 4-level paging.
        assertThatThrownBy(() -> read(1L << 50)).hasCauseInstanceOf(DmaFaultException.class);
        assertThat(lastFault().reason()).isEqualTo(FaultReason.OUT_OF_APERTURE);
        assertThat(nested).isPositive();
    }

    @Test
    @DisplayName(
            "the IOTLB caches first-stage translations: a rewritten entry is used only after HWPT_INVALIDATE of its range")
    void staleUntilInvalidated() {
        boot();
        int nested = attachedNested();
        s1Map(VA, 8, W | US);
        guest.set(ValueLayout.JAVA_BYTE, 8 * PAGE, (byte) 8);
        guest.set(ValueLayout.JAVA_BYTE, 9 * PAGE, (byte) 9);
        assertThat(read(VA)).isEqualTo((byte) 8);
        s1Map(VA, 9, W | US);
        assertThat(read(VA)).as("cached").isEqualTo((byte) 8);
        // Another page's invalidation (a naturally aligned 4 KiB range) leaves it cached.
        invalidate(nested, VA + PAGE, 1);
        assertThat(read(VA)).isEqualTo((byte) 8);
        invalidate(nested, VA, 1);
        assertThat(read(VA)).isEqualTo((byte) 9);
        // Removing the entry: cached until invalidated, then a fault.
        setEntry(PT_PAGE, VA, 0, 0);
        assertThat(read(VA)).isEqualTo((byte) 9);
        invalidate(nested, 0, -1L);
        assertThatThrownBy(() -> read(VA)).hasCauseInstanceOf(DmaFaultException.class);
    }

    @Test
    @DisplayName("a parent unmap is strict: no nested translation through the unmapped range survives it")
    void parentUnmapIsStrict() {
        boot();
        attachedNested();
        s1Map(VA, 8, W | US);
        write(VA, (byte) 3, 16);
        assertThat(guestByte(8, 0)).isEqualTo((byte) 3);
        // Remap the guest memory without its page 8: the cached combined translation must be gone.
        h.unmap(ioas, GPA, GUEST_PAGES * PAGE);
        h.map(ioas, RW | FIXED, guest.address(), 8 * PAGE, GPA);
        assertThatThrownBy(() -> write(VA, (byte) 4, 16)).hasCauseInstanceOf(DmaFaultException.class);
        assertThat(lastFault().stage()).isEqualTo(IommuFault.STAGE_PAGING);
        assertThat(guestByte(8, 0)).isEqualTo((byte) 3);
    }

    @Test
    @DisplayName("HWPT_INVALIDATE (VTD_S1): entries in order, entry_num counts those done; the driver's errno")
    void invalidationArray() {
        boot();
        int nested = attachedNested();
        long leaf = IommuHwptVtdS1Invalidate.FLAGS_LEAF;
        Object[][] cases = {
            // addr, npages, flags of three entries; errno; entries done
            {new long[] {0, 1, 0, PAGE, 1, leaf, 2 * PAGE, 1, 0}, null, 3},
            {new long[] {0, 1, 0, PAGE, 1, 2, 2 * PAGE, 1, 0}, Errno.EOPNOTSUPP, 1},
            {new long[] {0, 1, 0, 0x800, 1, 0, 2 * PAGE, 1, 0}, Errno.EINVAL, 1},
            {new long[] {PAGE, -1L, 0, 0, 1, 0, 0, 1, 0}, Errno.EINVAL, 0},
            {new long[] {0, -1L, 0, 0, 0, 0, 0, 1, leaf}, null, 3},
        };
        for (Object[] k : cases) {
            MemorySegment c = h.hwptInvalidateStruct(nested, VTD_S1, INV, entries((long[]) k[0]), 3);
            if (k[1] == null) {
                h.ioctl(IommufdIoctl.IOMMU_HWPT_INVALIDATE, c);
            } else {
                assertThat(errno(() -> h.ioctl(IommufdIoctl.IOMMU_HWPT_INVALIDATE, c)))
                        .isEqualTo(k[1]);
            }
            assertThat(IommuHwptInvalidate.ENTRY_NUM.get(c)).isEqualTo(k[2]);
        }
        // A non-zero __reserved: EOPNOTSUPP.
        MemorySegment e = entries(0, 1, 0);
        IommuHwptVtdS1Invalidate.RESERVED.set(e, 1);
        MemorySegment c = h.hwptInvalidateStruct(nested, VTD_S1, INV, e, 1);
        assertThat(errno(() -> h.ioctl(IommufdIoctl.IOMMU_HWPT_INVALIDATE, c))).isEqualTo(Errno.EOPNOTSUPP);
        // Another data type: EINVAL before any entry; an entry shorter than the struct: EINVAL.
        MemorySegment selftest = h.hwptInvalidateStruct(
                nested, IommufdTestConst.IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, INV, entries(0, 1, 0), 1);
        assertThat(errno(() -> h.ioctl(IommufdIoctl.IOMMU_HWPT_INVALIDATE, selftest)))
                .isEqualTo(Errno.EINVAL);
        assertThat(IommuHwptInvalidate.ENTRY_NUM.get(selftest)).isZero();
        MemorySegment shortEntry = h.hwptInvalidateStruct(nested, VTD_S1, 16, entries(0, 1, 0), 1);
        assertThat(errno(() -> h.ioctl(IommufdIoctl.IOMMU_HWPT_INVALIDATE, shortEntry)))
                .isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName(
            "replace between the nest parent (guest-physical DMA) and the nested HWPT (first-stage DMA), atomically")
    void replaceBetweenPagingAndNested() {
        boot();
        int parent = parent(0);
        int nested = nested(parent);
        s1Map(VA, 8, W | US);
        guest.set(ValueLayout.JAVA_BYTE, 8 * PAGE, (byte) 8);
        idev.attach(NO_PASID, parent);
        assertThat(read(GPA + 8 * PAGE)).isEqualTo((byte) 8);
        idev.replace(NO_PASID, nested);
        assertThat(read(VA)).isEqualTo((byte) 8);
        assertThatThrownBy(() -> read(GPA + 8 * PAGE)).hasCauseInstanceOf(DmaFaultException.class);
        idev.replace(NO_PASID, parent);
        assertThat(read(GPA + 8 * PAGE)).isEqualTo((byte) 8);
        // The nested HWPT's cached translations went with its last device.
        s1Map(VA, 9, W | US);
        guest.set(ValueLayout.JAVA_BYTE, 9 * PAGE, (byte) 9);
        idev.replace(NO_PASID, nested);
        assertThat(read(VA)).isEqualTo((byte) 9);
    }

    @Test
    @DisplayName("a nest parent refuses read-only mappings (EINVAL), as 7.2's VT-d for erratum 772415_SPR17")
    void nestParentIsAlwaysWritable() {
        boot();
        parent(0);
        MemorySegment ro = h.buffer(PAGE);
        assertThat(errno(() -> h.map(ioas, IommuIoasMap.FLAG_READABLE | FIXED, ro.address(), PAGE, 0x10_0000)))
                .isEqualTo(Errno.EINVAL);
        h.map(ioas, RW | FIXED, ro.address(), PAGE, 0x10_0000);
    }

    @Test
    @DisplayName(
            "dirty tracking on the parent: a DMA write through the first stage dirties the data page and the table page whose D it set")
    void dirtyTrackingThroughTheFirstStage() {
        boot();
        int parent = parent(IommuHwptAlloc.ALLOC_DIRTY_TRACKING);
        int nested = nested(parent);
        idev.attach(NO_PASID, nested);
        s1Map(VA, 8, W | US);
        h.ioctl(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, setTracking(parent));
        write(VA, (byte) 1, 8);
        MemorySegment bitmap = h.buffer(PAGE);
        MemorySegment c = IommuHwptGetDirtyBitmap.DEF.allocate(h.arena);
        IommuHwptGetDirtyBitmap.SIZE.set(c, (int) IommuHwptGetDirtyBitmap.DEF.size());
        IommuHwptGetDirtyBitmap.HWPT_ID.set(c, parent);
        IommuHwptGetDirtyBitmap.IOVA.set(c, GPA);
        IommuHwptGetDirtyBitmap.LENGTH.set(c, GUEST_PAGES * PAGE);
        IommuHwptGetDirtyBitmap.PAGE_SIZE.set(c, PAGE);
        IommuHwptGetDirtyBitmap.DATA.set(c, bitmap.address());
        h.ioctl(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP, c);
        // Pages 0..3 (tables: A set), 8 (data).
        assertThat(bitmap.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0b1_0000_1111L);
    }

    private MemorySegment setTracking(int hwpt) {
        MemorySegment c = IommuHwptSetDirtyTracking.DEF.allocate(h.arena);
        IommuHwptSetDirtyTracking.SIZE.set(c, (int) IommuHwptSetDirtyTracking.DEF.size());
        IommuHwptSetDirtyTracking.HWPT_ID.set(c, hwpt);
        IommuHwptSetDirtyTracking.FLAGS.set(c, IommuHwptSetDirtyTracking.DIRTY_TRACKING_ENABLE);
        return c;
    }
}
