package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** semantics.md rules 5-8: alignment, IOAS_MAP validation order, automatic IOVA, lazy pinning. */
class IoasMapTest extends IommufdFixture {
    @Test
    @DisplayName("rule 5: a fresh IOAS has alignment 1: byte-granular IOVAs and lengths are legal")
    void freshIoasIsByteGranular() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(2 * PAGE);
        assertThat(iovaAlignment(ioas)).isEqualTo(1);
        assertThat(mapFixed(ioas, buf.address() + 1, 3, 0x10001)).isEqualTo(0x10001);
        assertThat(mapFixed(ioas, buf.address() + 7, 1, 0x10004)).isEqualTo(0x10004);
        assertThat(unmap(ioas, 0x10001, 4)).isEqualTo(4);
    }

    @Test
    @DisplayName("rule 5: with PAGE_SIZE alignment, length, fixed IOVA and source sub-page offset must align")
    void pageAlignmentAppliesToLengthIovaAndOffset() {
        int ioas = ioasAlloc();
        setHugePages(ioas, false);
        assertThat(iovaAlignment(ioas)).isEqualTo(PAGE);
        MemorySegment buf = buffer(4 * PAGE);
        long va = buf.address();
        assertThat(errno(() -> mapFixed(ioas, va, PAGE + 1, 1L << 20))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> mapFixed(ioas, va, PAGE, (1L << 20) + 512))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> mapFixed(ioas, va + 512, PAGE, 1L << 20))).isEqualTo(Errno.EINVAL);
        assertThat(mapFixed(ioas, va, 2 * PAGE, 1L << 20)).isEqualTo(1L << 20);
        // Re-enabling large pages brings alignment back to 1.
        setHugePages(ioas, true);
        assertThat(iovaAlignment(ioas)).isEqualTo(1);
    }

    @Test
    @DisplayName("rule 6: IOAS_MAP checks in the kernel's order")
    void mapValidationOrder() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(4 * PAGE);
        long va = buf.address();
        // unknown flag beats EOVERFLOW
        assertThat(errno(() -> map(ioas, RW | 8, va, ULONG_MAX, 0))).isEqualTo(Errno.EOPNOTSUPP);
        MemorySegment s = mapStruct(ioas, RW, va, PAGE, 0);
        IommuIoasMap.RESERVED.set(s, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_IOAS_MAP, s))).isEqualTo(Errno.EOPNOTSUPP);
        // EOVERFLOW for ULONG_MAX beats the missing R/W flags
        assertThat(errno(() -> map(ioas, FIXED, va, PAGE, ULONG_MAX))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> map(ioas, 0, va, ULONG_MAX, 0))).isEqualTo(Errno.EOVERFLOW);
        // missing R/W beats a missing IOAS
        assertThat(errno(() -> map(99, FIXED, va, PAGE, 0))).isEqualTo(Errno.EINVAL);
        // missing IOAS beats a wrapping user range
        assertThat(errno(() -> map(99, RW, -PAGE, 2 * PAGE, 0))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> map(ioas, RW, -PAGE, 2 * PAGE, 0))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> map(ioas, RW, -PAGE, PAGE, 0))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> mapFixed(ioas, va, 0, PAGE))).isEqualTo(Errno.EINVAL);
        // a fixed range whose last byte wraps
        assertThat(errno(() -> mapFixed(ioas, va, 2 * PAGE, -PAGE))).isEqualTo(Errno.EOVERFLOW);
        // overlaps are EEXIST, in any position, and never replace
        mapFixed(ioas, va, 2 * PAGE, 0x100000);
        assertThat(errno(() -> mapFixed(ioas, va, 2 * PAGE, 0x100000))).isEqualTo(Errno.EEXIST);
        assertThat(errno(() -> mapFixed(ioas, va, 2 * PAGE, 0x100000 - PAGE))).isEqualTo(Errno.EEXIST);
        assertThat(errno(() -> mapFixed(ioas, va, PAGE, 0x100000 + PAGE))).isEqualTo(Errno.EEXIST);
        assertThat(errno(() -> mapFixed(ioas, va, 1, 0x100000 + 2 * PAGE - 1))).isEqualTo(Errno.EEXIST);
        assertThat(mapFixed(ioas, va, PAGE, 0x100000 + 2 * PAGE)).isEqualTo(0x100000 + 2 * PAGE);
        assertThat(unmap(ioas, 0x100000, 3 * PAGE)).isEqualTo(3 * PAGE);
    }

    @Test
    @DisplayName("rule 6: read-only and write-only mappings are both fine with a R or W flag")
    void eitherPermissionSuffices() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(PAGE);
        assertThat(map(ioas, FIXED | IommuIoasMap.FLAG_READABLE, buf.address(), PAGE, PAGE))
                .isEqualTo(PAGE);
        assertThat(map(ioas, FIXED | IommuIoasMap.FLAG_WRITEABLE, buf.address(), PAGE, 2 * PAGE))
                .isEqualTo(2 * PAGE);
    }

    @Test
    @DisplayName("rule 7: automatic IOVAs start at PAGE_SIZE, never 0, ascend and reuse holes")
    void autoIovaAscendsFromPageSize() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(4 * PAGE);
        long first = mapAuto(ioas, buf.address(), PAGE);
        assertThat(first).isEqualTo(PAGE);
        long second = mapAuto(ioas, buf.address(), PAGE);
        assertThat(second).isEqualTo(2 * PAGE);
        unmap(ioas, first, PAGE);
        assertThat(mapAuto(ioas, buf.address(), PAGE)).isEqualTo(PAGE);
    }

    @Test
    @DisplayName("rule 7: the chosen IOVA keeps the source's sub-page offset and natural alignment")
    void autoIovaKeepsOffsetAndAlignment() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(8 * PAGE);
        long va = buf.address();
        long iova = mapAuto(ioas, va + 0x123, 64);
        assertThat(iova % PAGE).isEqualTo(0x123);
        // A 4-page map of a page-aligned buffer: aligned to min(16 KiB, lowest bit of the address).
        long iova2 = mapAuto(ioas, va, 4 * PAGE);
        long expected = Math.min(4 * PAGE, Long.lowestOneBit(va));
        assertThat(iova2 % expected).isZero();
        assertThat(iova2).isGreaterThan(iova);
    }

    @Test
    @DisplayName("rule 7: a THP-sized source keeps 2 MiB alignment")
    void hugeAlignmentCapsAtThpSize() {
        int ioas = ioasAlloc();
        long va = 1L << 40; // never touched: no domain, so nothing is pinned
        long iova = mapAuto(ioas, va, 4L << 20);
        assertThat(iova % (2L << 20)).isZero();
        assertThat(iova).isEqualTo(2L << 20);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    @DisplayName("rule 7: an automatic IOVA is aligned to the length's lowest set bit")
    void autoIovaAlignsToLength(int pages) {
        int ioas = ioasAlloc();
        long[] iovas = new long[3];
        for (int i = 0; i < iovas.length; i++) {
            iovas[i] = mapAuto(ioas, 1L << 31, pages * PAGE);
            assertThat(iovas[i] % Long.lowestOneBit(pages * PAGE)).isZero();
        }
        for (long iova : iovas) {
            assertThat(unmap(ioas, iova, pages * PAGE)).isEqualTo(pages * PAGE);
        }
    }

    @Test
    @DisplayName("rule 7: huge lengths are EOVERFLOW, a full space ENOSPC")
    void autoIovaLimits() {
        int ioas = ioasAlloc();
        assertThat(errno(() -> mapAuto(ioas, 0, 1L << 63))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> mapAuto(ioas, 0, Long.MAX_VALUE))).isEqualTo(Errno.EOVERFLOW);
        allowIovas(ioas, 0x10000, 0x13fff);
        MemorySegment buf = buffer(8 * PAGE);
        assertThat(mapAuto(ioas, buf.address(), 4 * PAGE)).isEqualTo(0x10000);
        assertThat(errno(() -> mapAuto(ioas, buf.address(), PAGE))).isEqualTo(Errno.ENOSPC);
    }

    @Test
    @DisplayName("rule 7: the natural alignment may not be below the IOAS alignment")
    void autoIovaBelowIoasAlignmentIsEinval() {
        int ioas = ioasAlloc();
        setHugePages(ioas, false);
        MemorySegment buf = buffer(2 * PAGE);
        assertThat(errno(() -> mapAuto(ioas, buf.address() + 2048, PAGE))).isEqualTo(Errno.EINVAL);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 42})
    @DisplayName("rule 7: auto IOVAs of random sizes never overlap and never start at 0")
    void autoIovaNeverOverlaps(long seed) {
        Random rnd = new Random(seed);
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(64 * PAGE);
        List<long[]> taken = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            long len = 1 + rnd.nextInt(16 * (int) PAGE);
            long va = buf.address() + rnd.nextInt(32 * (int) PAGE);
            long iova = mapAuto(ioas, va, len);
            assertThat(iova).isNotZero();
            // The allocator ORs the sub-page offset into an aligned start inside the hole.
            assertThat(iova & (va % PAGE)).isEqualTo(va % PAGE);
            for (long[] t : taken) {
                assertThat(iova + len - 1 < t[0] || iova > t[1]).isTrue();
            }
            taken.add(new long[] {iova, iova + len - 1});
            if (rnd.nextInt(4) == 0) {
                long[] victim = taken.remove(rnd.nextInt(taken.size()));
                assertThat(unmap(ioas, victim[0], victim[1] - victim[0] + 1)).isEqualTo(victim[1] - victim[0] + 1);
            }
        }
    }

    @Test
    @DisplayName("rule 8: without domains MAP records the range only: unmapped user memory is accepted")
    void mapIsLazy() {
        int ioas = ioasAlloc();
        long nowhere = unmappedAddress(4 * PAGE);
        assertThat(mapFixed(ioas, nowhere, 4 * PAGE, 1L << 30)).isEqualTo(1L << 30);
        assertThat(mapAuto(ioas, 1L << 31, 4 * PAGE)).isNotZero();
        MemorySegment none = mmap(PAGE, Linux.Prot.NONE);
        assertThat(mapFixed(ioas, none.address(), PAGE, 1L << 32)).isEqualTo(1L << 32);
    }
}
