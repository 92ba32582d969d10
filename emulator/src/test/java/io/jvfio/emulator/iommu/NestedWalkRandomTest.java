package io.jvfio.emulator.iommu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded property test of the nested (first stage over second stage) walk against a reference
 * model that knows what it generated rather than reading tables: random first-stage regions (absent,
 * 2 MiB leaves, or page tables of 4 KiB leaves with random present/RW/U/S bits, also on the
 * directory entries above them) in guest memory whose pages the parent maps with random holes
 * (table pages included). Every sampled address is checked for both accesses: the host address
 * reached (by DMA and by iova_to_phys), or the fault's reason and stage.
 */
class NestedWalkRandomTest {
    private static final long PAGE = 4096;
    private static final long MB2 = 2L << 20;
    private static final long GPA = 1L << 30;
    private static final int GUEST_PAGES = 1024;
    /** Device addresses: eight 2 MiB regions in one 1 GiB region of the lower half. */
    private static final long VA = 0x12_4000_0000L;

    private static final int REGIONS = 8;
    private static final long P = 1;
    private static final long RW = 2;
    private static final long US = 4;
    private static final long PS = 1 << 7;

    /** What the generator made of one 2 MiB region. */
    private static final class Region {
        int kind; // 0 absent, 1 2 MiB leaf, 2 page table
        long pde;
        int tablePage;
        long leafBase;
        final long[] ptes = new long[512];
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void walkMatchesTheModel(long seed) {
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment guest = arena.allocate(GUEST_PAGES * PAGE, MB2);
            boolean[] hole = new boolean[GUEST_PAGES];
            IommuDomain parent = IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false, true);
            for (int p = 0; p < GUEST_PAGES; p++) {
                hole[p] = p > 1 && rnd.nextInt(10) == 0;
                if (!hole[p]) {
                    parent.map(GPA + p * PAGE, guest.address() + p * PAGE, PAGE, IommuDomain.READ | IommuDomain.WRITE);
                }
            }
            // Page 0: PML4, page 1: PDPT, page 2: PD; page tables from page 3 on.
            put(guest, 0, VA, 3, GPA + PAGE | P | RW | US);
            put(guest, 1, VA, 2, GPA + 2 * PAGE | P | RW | US);
            Region[] regions = new Region[REGIONS];
            for (int i = 0; i < REGIONS; i++) {
                Region g = regions[i] = new Region();
                long va = VA + i * MB2;
                g.kind = rnd.nextInt(3);
                long perms = P | (rnd.nextInt(6) == 0 ? 0 : RW) | (rnd.nextInt(8) == 0 ? 0 : US);
                if (g.kind == 1) {
                    // Data pages lie above the tables, so DMA writes never change a table.
                    g.leafBase = GPA + MB2;
                    g.pde = g.leafBase | perms | PS;
                } else if (g.kind == 2) {
                    g.tablePage = 3 + i;
                    g.pde = GPA + g.tablePage * PAGE | perms;
                    for (int e = 0; e < 512; e++) {
                        if (rnd.nextInt(4) != 0) {
                            g.ptes[e] = GPA + (16 + rnd.nextInt(GUEST_PAGES - 16)) * PAGE
                                    | P
                                    | (rnd.nextBoolean() ? RW : 0)
                                    | (rnd.nextInt(8) == 0 ? 0 : US);
                        }
                        putAt(guest, g.tablePage, e, g.ptes[e]);
                    }
                }
                put(guest, 2, va, 1, g.pde);
            }
            NestedDomain nested = NestedDomain.allocVtd(parent, new VtdStage1(0, GPA, 48), true);
            Iommu iommu = Iommu.create("dmar0", java.util.List.of());
            DeviceDma dev = iommu.addDevice(1);
            dev.attach(nested);
            MemorySegment one = arena.allocate(1);
            for (int n = 0; n < 3000; n++) {
                int i = rnd.nextInt(REGIONS);
                long va = VA + i * MB2 + rnd.nextLong(MB2);
                Access access = rnd.nextBoolean() ? Access.READ : Access.WRITE;
                Object expected = model(regions[i], hole, va, access);
                IommuFault fault = catchThrowableOfType(IommuFaultException.class, () -> {
                                    if (access == Access.READ) {
                                        dev.dmaRead(va, one);
                                    } else {
                                        one.set(ValueLayout.JAVA_BYTE, 0, (byte) va);
                                        dev.dmaWrite(va, one);
                                    }
                                })
                                == null
                        ? null
                        : iommu.faultLog().getLast();
                if (expected instanceof Long gpa) {
                    assertThat(fault).as("%x %s", va, access).isNull();
                    long host = guest.address() + (gpa - GPA);
                    assertThat(nested.iovaToPhys(va)).isEqualTo(host);
                    if (access == Access.WRITE) {
                        assertThat(guest.get(ValueLayout.JAVA_BYTE, gpa - GPA)).isEqualTo((byte) va);
                    }
                } else {
                    assertThat(fault).as("%x %s", va, access).isNotNull();
                    assertThat(new Object[] {fault.reason(), fault.stage()})
                            .as("%x %s", va, access)
                            .isEqualTo(expected);
                }
            }
            dev.detach();
            nested.close();
            parent.close();
        }
    }

    /** The guest-physical address va reaches, or {reason, stage} of the fault. */
    private static Object model(Region g, boolean[] hole, long va, Access access) {
        if (g.kind == 0) {
            return fault(FaultReason.NOT_PRESENT, IommuFault.STAGE_FIRST);
        }
        long gpa;
        boolean writable = (g.pde & RW) != 0;
        boolean user = (g.pde & US) != 0;
        if (g.kind == 1) {
            gpa = g.leafBase + (va & (MB2 - 1));
        } else {
            if (hole[g.tablePage]) {
                return fault(FaultReason.NOT_PRESENT, IommuFault.STAGE_PAGING);
            }
            long pte = g.ptes[(int) ((va >>> 12) & 511)];
            if (pte == 0) {
                return fault(FaultReason.NOT_PRESENT, IommuFault.STAGE_FIRST);
            }
            writable &= (pte & RW) != 0;
            user &= (pte & US) != 0;
            gpa = (pte & ~0xfffL) + (va & 0xfff);
        }
        if (!user || (access == Access.WRITE && !writable)) {
            return fault(FaultReason.PERMISSION, IommuFault.STAGE_FIRST);
        }
        if (hole[(int) ((gpa - GPA) / PAGE)]) {
            return fault(FaultReason.NOT_PRESENT, IommuFault.STAGE_PAGING);
        }
        return gpa;
    }

    private static Object[] fault(FaultReason reason, int stage) {
        return new Object[] {reason, stage};
    }

    private static void put(MemorySegment guest, int page, long va, int level, long pte) {
        putAt(guest, page, (int) ((va >>> (12 + 9 * level)) & 511), pte);
    }

    private static void putAt(MemorySegment guest, int page, int index, long pte) {
        guest.set(ValueLayout.JAVA_LONG, page * PAGE + index * 8L, pte);
    }
}
