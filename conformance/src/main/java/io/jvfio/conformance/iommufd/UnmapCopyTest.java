package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuIoasMap;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rules 11, 12 and 14: whole-area unmap, the unmap-all encoding, IOAS_COPY. */
class UnmapCopyTest extends IommufdFixture {
    private static final long BASE = 1L << 20;

    /** Three areas of one page at BASE, BASE+2P, BASE+3P (a gap at BASE+P). */
    private int threeAreas() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(4 * PAGE);
        mapFixed(ioas, buf.address(), PAGE, BASE);
        mapFixed(ioas, buf.address(), PAGE, BASE + 2 * PAGE);
        mapFixed(ioas, buf.address(), PAGE, BASE + 3 * PAGE);
        return ioas;
    }

    @Test
    @DisplayName("rule 11: unmap must cover whole areas; gaps are fine and the total is returned")
    void unmapWholeAreas() {
        int ioas = threeAreas();
        assertThat(errno(() -> unmap(ioas, BASE, PAGE - 1))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> unmap(ioas, BASE + 1, PAGE))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> unmap(ioas, BASE + PAGE, PAGE))).isEqualTo(Errno.ENOENT);
        assertThat(unmap(ioas, BASE - PAGE, 6 * PAGE)).isEqualTo(3 * PAGE);
        assertThat(errno(() -> unmap(ioas, BASE, PAGE))).isEqualTo(Errno.ENOENT);
    }

    @Test
    @DisplayName("rule 11: unmap is not atomic: areas before the offending one are already gone")
    void unmapIsNotAtomic() {
        int ioas = threeAreas();
        MemorySegment buf = buffer(2 * PAGE);
        mapFixed(ioas, buf.address(), 2 * PAGE, BASE + 4 * PAGE);
        assertThat(errno(() -> unmap(ioas, BASE, 5 * PAGE))).isEqualTo(Errno.ENOENT);
        // The first three areas went away, the straddling one stayed.
        assertThat(errno(() -> unmap(ioas, BASE, 4 * PAGE))).isEqualTo(Errno.ENOENT);
        assertThat(unmap(ioas, BASE + 4 * PAGE, 2 * PAGE)).isEqualTo(2 * PAGE);
    }

    @Test
    @DisplayName("rule 12: iova 0 / length U64_MAX unmaps everything, even nothing; other limits")
    void unmapAllEncoding() {
        int ioas = ioasAlloc();
        assertThat(unmap(ioas, 0, ULONG_MAX)).isZero();
        int busy = threeAreas();
        assertThat(unmap(busy, 0, ULONG_MAX)).isEqualTo(3 * PAGE);
        assertThat(errno(() -> unmap(busy, 1, ULONG_MAX))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> unmap(busy, ULONG_MAX, 1))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> unmap(busy, 0, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> unmap(busy, -PAGE, 2 * PAGE))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> unmap(busy, 0, ULONG_MAX - 1))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> unmap(99, 0, ULONG_MAX))).isEqualTo(Errno.ENOENT);
    }

    @Test
    @DisplayName("rule 14: COPY takes sub-ranges of contiguous areas; gaps are ENOENT")
    void copySubRanges() {
        int src = ioasAlloc();
        int dst = ioasAlloc();
        MemorySegment buf = buffer(8 * PAGE);
        mapFixed(src, buf.address(), 4 * PAGE, BASE);
        mapFixed(src, buf.address() + 4 * PAGE, 2 * PAGE, BASE + 4 * PAGE);
        assertThat(copy(dst, src, RW | FIXED, BASE + PAGE, 4 * PAGE, 1L << 30)).isEqualTo(1L << 30);
        // The new area is one area in the destination: a partial unmap fails.
        assertThat(errno(() -> unmap(dst, 1L << 30, PAGE))).isEqualTo(Errno.ENOENT);
        assertThat(unmap(dst, 1L << 30, 3 * PAGE)).isEqualTo(3 * PAGE);
        assertThat(unmap(dst, (1L << 30) + 3 * PAGE, PAGE)).isEqualTo(PAGE);
        assertThat(errno(() -> copy(dst, src, RW | FIXED, BASE + 5 * PAGE, 2 * PAGE, 1L << 30)))
                .isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> copy(dst, src, RW | FIXED, BASE - 1, 2, 1L << 30)))
                .isEqualTo(Errno.ENOENT);
        // The source may be copied into itself.
        assertThat(copy(src, src, RW, BASE, 6 * PAGE, 0)).isNotZero();
    }

    @Test
    @DisplayName("rule 14: COPY validation order and the destination's MAP rules")
    void copyValidation() {
        int src = ioasAlloc();
        int dst = ioasAlloc();
        MemorySegment buf = buffer(4 * PAGE);
        mapFixed(src, buf.address(), 4 * PAGE, BASE);
        assertThat(errno(() -> copy(dst, src, RW | 8, BASE, PAGE, 0))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> copy(dst, src, RW, BASE, ULONG_MAX, 0))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> copy(dst, src, FIXED, BASE, PAGE, ULONG_MAX))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> copy(dst, src, FIXED, BASE, PAGE, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> copy(dst, 99, RW, BASE, PAGE, 0))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> copy(dst, src, RW, BASE, 0, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> copy(dst, src, RW, -PAGE, 2 * PAGE, 0))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> copy(99, src, RW, BASE, PAGE, 0))).isEqualTo(Errno.ENOENT);
        copy(dst, src, RW | FIXED, BASE, PAGE, BASE);
        assertThat(errno(() -> copy(dst, src, RW | FIXED, BASE, PAGE, BASE))).isEqualTo(Errno.EEXIST);
        setHugePages(dst, false);
        assertThat(errno(() -> copy(dst, src, RW | FIXED, BASE, PAGE, BASE + 16)))
                .isEqualTo(Errno.EINVAL);
    }

    @Test
    @DisplayName("rule 14: WRITEABLE copies of read-only source pages are EPERM")
    void copyOfReadOnlyIsEperm() {
        int src = ioasAlloc();
        MemorySegment buf = buffer(PAGE);
        map(src, FIXED | IommuIoasMap.FLAG_READABLE, buf.address(), PAGE, BASE);
        assertThat(errno(() -> copy(src, src, RW, BASE, PAGE, 0))).isEqualTo(Errno.EPERM);
        assertThat(copy(src, src, IommuIoasMap.FLAG_READABLE, BASE, PAGE, 0)).isNotZero();
    }
}
