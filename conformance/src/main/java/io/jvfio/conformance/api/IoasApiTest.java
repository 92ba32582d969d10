package io.jvfio.conformance.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.abi.Errno;
import io.jvfio.api.DmaAccess;
import io.jvfio.api.DmaBuffer;
import io.jvfio.api.Ioas;
import io.jvfio.api.Iommufd;
import io.jvfio.api.IommufdException;
import io.jvfio.api.IovaRange;
import io.jvfio.api.IovaRanges;
import io.jvfio.api.Jvfio;
import io.jvfio.api.Mapping;
import io.jvfio.api.RlimitMode;
import io.jvfio.conformance.Conformance;
import io.jvfio.kernel.Kernel;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The typed API's IOAS path on the selected backend: mapping, unmapping, copying, IOVA ranges and
 * options through {@link Jvfio}, with the errno the kernel gives. No device is involved, so pages
 * are never pinned and every rule here holds on any kernel with /dev/iommu.
 */
@Conformance
class IoasApiTest {
    private static final long PAGE = 4096;

    private Jvfio jvfio;

    private Ioas ioas(Kernel kernel) {
        jvfio = Jvfio.open(kernel);
        return jvfio.openIommufd().allocIoas();
    }

    @AfterEach
    void close() {
        if (jvfio != null) {
            jvfio.close();
        }
    }

    private static Errno errnoOf(ThrowingCallable call) {
        try {
            call.call();
        } catch (IommufdException e) {
            return e.errno();
        } catch (Throwable t) {
            throw new AssertionError("expected an IommufdException", t);
        }
        throw new AssertionError("expected the call to fail");
    }

    @Test
    void aFreshIoasOffersTheWholeIovaSpace(Kernel kernel) {
        IovaRanges ranges = ioas(kernel).iovaRanges();

        assertThat(ranges.ranges()).containsExactly(new IovaRange(0, -1L));
        assertThat(ranges.alignment()).isEqualTo(1);
    }

    @Test
    void mapsAtAFixedIovaAndUnmapsTheMapping(Kernel kernel) {
        Ioas ioas = ioas(kernel);
        DmaBuffer buf = jvfio.allocateDma(2 * PAGE);

        Mapping m = ioas.map(buf.segment(), 0x100000, DmaAccess.READ_WRITE);

        assertThat(m.iova()).isEqualTo(0x100000);
        assertThat(m.length()).isEqualTo(2 * PAGE);
        assertThat(ioas.unmap(m)).isEqualTo(2 * PAGE);
        assertThat(errnoOf(() -> ioas.unmap(m))).isEqualTo(Errno.ENOENT);
    }

    @Test
    void overlappingFixedMapsFailWithEexist(Kernel kernel) {
        Ioas ioas = ioas(kernel);
        DmaBuffer buf = jvfio.allocateDma(2 * PAGE);
        ioas.map(buf.segment(), 0x100000, DmaAccess.READ);

        assertThatThrownBy(() -> ioas.map(buf.segment(), 0x100000 + PAGE, DmaAccess.READ))
                .isInstanceOfSatisfying(IommufdException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                    assertThat(e.operation()).contains("map").contains("0x101000");
                });
    }

    @Test
    void automaticIovasDoNotOverlap(Kernel kernel) {
        Ioas ioas = ioas(kernel);
        DmaBuffer a = jvfio.allocateDma(3 * PAGE);
        DmaBuffer b = jvfio.allocateDma(PAGE);

        Mapping ma = ioas.map(a.segment(), DmaAccess.READ_WRITE);
        Mapping mb = ioas.map(b.segment(), DmaAccess.READ_WRITE);

        assertThat(ma.end() <= mb.iova() || mb.end() <= ma.iova())
                .as("%s and %s overlap", ma, mb)
                .isTrue();
        assertThat(ioas.unmapAll()).isEqualTo(4 * PAGE);
        assertThat(ioas.unmapAll())
                .as("unmapping everything of nothing succeeds")
                .isZero();
    }

    @Test
    void anUnmapThatCutsAMappingFailsWithEnoent(Kernel kernel) {
        Ioas ioas = ioas(kernel);
        DmaBuffer buf = jvfio.allocateDma(2 * PAGE);
        ioas.map(buf.segment(), 0x100000, DmaAccess.READ);

        assertThat(errnoOf(() -> ioas.unmap(0x100000, PAGE))).isEqualTo(Errno.ENOENT);
        assertThat(ioas.unmap(0x100000, 2 * PAGE)).isEqualTo(2 * PAGE);
    }

    @Test
    void allowedIovasConfineAutomaticAllocation(Kernel kernel) {
        Ioas ioas = ioas(kernel);
        DmaBuffer buf = jvfio.allocateDma(PAGE);
        IovaRange allowed = IovaRange.ofLength(0x40000000L, 0x100000);

        ioas.allowIovas(List.of(allowed));
        Mapping m = buf.map(ioas, DmaAccess.READ);

        assertThat(allowed.contains(m.iova()) && allowed.contains(m.end() - 1))
                .as("%s inside %s", m, allowed)
                .isTrue();
        assertThat(errnoOf(() -> ioas.allowIovas(List.of(allowed, allowed)))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void copySharesAMappingWithAnotherIoas(Kernel kernel) {
        jvfio = Jvfio.open(kernel);
        Iommufd iommufd = jvfio.openIommufd();
        Ioas src = iommufd.allocIoas();
        Ioas dst = iommufd.allocIoas();
        DmaBuffer buf = jvfio.allocateDma(2 * PAGE);
        buf.map(src, 0x10000, DmaAccess.READ_WRITE);

        Mapping copy = dst.copy(src, 0x10000 + PAGE, PAGE, 0x80000, DmaAccess.READ);

        assertThat(copy.iova()).isEqualTo(0x80000);
        assertThat(errnoOf(() -> dst.copy(src, 0x90000, PAGE, DmaAccess.READ))).isEqualTo(Errno.ENOENT);
        assertThat(dst.unmap(copy)).isEqualTo(PAGE);
        Ioas foreign = jvfio.openIommufd().allocIoas();
        assertThatThrownBy(() -> foreign.copy(src, 0x10000, PAGE, DmaAccess.READ))
                .as("IOAS IDs are per iommufd")
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hugePagesAreOnByDefaultAndCanBeTurnedOff(Kernel kernel) {
        Ioas ioas = ioas(kernel);

        assertThat(ioas.hugePages()).isTrue();
        ioas.setHugePages(false);
        assertThat(ioas.hugePages()).isFalse();
    }

    @Test
    void rlimitModeDefaultsToUserAccounting(Kernel kernel) {
        jvfio = Jvfio.open(kernel);

        assertThat(jvfio.openIommufd().rlimitMode()).isEqualTo(RlimitMode.USER);
    }

    @Test
    void closingAnIoasDestroysItsId(Kernel kernel) {
        jvfio = Jvfio.open(kernel);
        Iommufd iommufd = jvfio.openIommufd();
        Ioas ioas = iommufd.allocIoas();
        int id = ioas.id();

        ioas.close();

        assertThat(errnoOf(() -> iommufd.destroy(id))).isEqualTo(Errno.ENOENT);
        assertThatThrownBy(ioas::iovaRanges).isInstanceOf(IllegalStateException.class);
        assertThat(iommufd.allocIoas().id()).as("IDs are reused lowest first").isEqualTo(id);
    }

    @Test
    void closingTheIommufdClosesItsIoases(Kernel kernel) {
        jvfio = Jvfio.open(kernel);
        Iommufd iommufd = jvfio.openIommufd();
        Ioas ioas = iommufd.allocIoas();

        iommufd.close();

        assertThatThrownBy(() -> ioas.map(jvfio.allocateDma(PAGE).segment(), DmaAccess.READ))
                .isInstanceOf(IllegalStateException.class);
        ioas.close(); // nothing left to destroy, and no ioctl on a closed fd
    }

    @Test
    void aDmaBufferKnowsItsIovaAndUnmapsItselfOnClose(Kernel kernel) {
        Ioas ioas = ioas(kernel);
        DmaBuffer buf = jvfio.allocateDma(PAGE);

        buf.map(ioas, 0x200000, DmaAccess.READ_WRITE);
        assertThat(buf.iova()).isEqualTo(0x200000);
        buf.close();

        assertThat(ioas.unmapAll()).isZero();
    }
}
