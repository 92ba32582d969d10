package io.jvfio.emulator.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random DMAs over a random mix of 2 MiB leaves, scattered and contiguous 4 KiB pages and
 * holes, checked byte for byte against a reference that translates page by page: data lands where
 * the page table says, crossing leaf, table and level boundaries; a DMA touching a hole faults at
 * the hole and changes nothing.
 */
class RandomDmaTest {
    private static final int K4 = 4096;
    private static final int M2 = 2 << 20;
    private static final int BLOCKS = 4;
    private static final int PAGES = BLOCKS * M2 / K4;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void dmaMatchesAPageByPageReference(long seed) {
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofShared();
                PagingDomain d = (PagingDomain) IommuDomain.allocPaging(PageTableFormat.VTD_SECOND_STAGE, false)) {
            MemorySegment mem = arena.allocate((long) BLOCKS * M2, M2);
            byte[] ref = new byte[BLOCKS * M2];
            MemorySegment scratch = arena.allocate(3 * M2 / 2);
            // IOVA page -> offset of its physical page in mem, -1 for a hole
            long[] pageMap = new long[PAGES];
            for (int block = 0; block < BLOCKS; block++) {
                int first = block * M2 / K4;
                int kind = rnd.nextInt(3);
                long physBlock = (long) rnd.nextInt(BLOCKS) * M2;
                for (int i = 0; i < M2 / K4; i++) {
                    int page = first + i;
                    pageMap[page] = switch (kind) {
                        case 0 -> physBlock + (long) i * K4; // one 2 MiB leaf
                        case 1 -> rnd.nextInt(10) == 0 ? -1 : (long) rnd.nextInt(PAGES) * K4; // scattered
                        default -> rnd.nextInt(50) == 0 ? -1 : (long) ((i + 7 * block) % PAGES) * K4; // contiguous
                    };
                    if (kind != 0 && pageMap[page] >= 0) {
                        d.map(
                                (long) page * K4,
                                mem.address() + pageMap[page],
                                K4,
                                IommuDomain.READ | IommuDomain.WRITE);
                    }
                }
                if (kind == 0) {
                    d.map((long) block * M2, mem.address() + pageMap[first], M2, IommuDomain.READ | IommuDomain.WRITE);
                    assertThat(d.table.lookup(d.id, (long) block * M2).size).isEqualTo(M2);
                }
            }
            Iommu iommu = Iommu.create("dmar0", List.of());
            DeviceDma dev = iommu.addDevice(1);
            dev.attach(d);
            for (int op = 0; op < 100; op++) {
                int len = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(3 * M2 / 2) : 1 + rnd.nextInt(5 * K4);
                long iova = rnd.nextInt(BLOCKS * M2 - len + 1);
                long hole = firstHole(pageMap, iova, len);
                boolean write = rnd.nextBoolean();
                byte[] data = new byte[len];
                rnd.nextBytes(data);
                MemorySegment buf = scratch.asSlice(0, len).copyFrom(MemorySegment.ofArray(data));
                try {
                    if (write) {
                        dev.dmaWrite(iova, buf);
                        for (long at = iova; at < iova + len; ) {
                            long n = Math.min(iova + len, (at & -K4) + K4) - at;
                            System.arraycopy(
                                    data, (int) (at - iova), ref, (int) (pageMap[(int) (at / K4)] + at % K4), (int) n);
                            at += n;
                        }
                    } else {
                        dev.dmaRead(iova, buf);
                        MemorySegment expected = MemorySegment.ofArray(ref);
                        for (long at = iova; at < iova + len; ) {
                            long n = Math.min(iova + len, (at & -K4) + K4) - at;
                            long pa = pageMap[(int) (at / K4)] + at % K4;
                            assertThat(buf.asSlice(at - iova, n).mismatch(expected.asSlice(pa, n)))
                                    .as("op %d: read of %x+%x differs in the page at %x", op, iova, len, at)
                                    .isEqualTo(-1);
                            at += n;
                        }
                    }
                    assertThat(hole).as("op %d: DMA over a hole succeeded", op).isEqualTo(-1);
                } catch (IommuFaultException e) {
                    assertThat(e.fault().iova()).as("op %d", op).isEqualTo(hole);
                    assertThat(e.fault().reason()).isEqualTo(FaultReason.NOT_PRESENT);
                }
                assertThat(mem.mismatch(MemorySegment.ofArray(ref)))
                        .as("op %d: memory differs from the reference", op)
                        .isEqualTo(-1);
            }
            dev.detach();
        }
    }

    private static long firstHole(long[] pageMap, long iova, int len) {
        for (long page = iova / K4; page * K4 < iova + len; page++) {
            if (pageMap[(int) page] < 0) {
                return Math.max(iova, page * K4);
            }
        }
        return -1;
    }
}
