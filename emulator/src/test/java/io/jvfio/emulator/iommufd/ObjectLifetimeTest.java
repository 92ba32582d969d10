package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.Harness.FIXED;
import static io.jvfio.emulator.iommufd.Harness.PAGE;
import static io.jvfio.emulator.iommufd.Harness.RW;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommufdIoctl;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Rules 2-4 with objects part 1 has no ioctl for: a stand-in for a HWPT that holds its IOAS. */
class ObjectLifetimeTest {
    /** Holds a long-term reference on an IOAS, as a HWPT_PAGING does. */
    private static final class FakeHwpt extends IommufdObject {
        private final Ioas ioas;
        private final List<String> log;

        FakeHwpt(Ioas ioas, List<String> log) {
            super(ObjectType.HWPT_PAGING);
            this.ioas = ioas;
            this.log = log;
            ioas.incUsers();
        }

        @Override
        void destroy() {
            log.add("hwpt");
            ioas.decUsers();
        }
    }

    private static void destroy(Harness h, int id) {
        MemorySegment s = IommuDestroy.DEF.allocate(h.arena);
        IommuDestroy.ID.set(s, id);
        h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_DESTROY, s);
    }

    @Test
    @DisplayName("rule 4: a referenced IOAS is EBUSY; close destroys leaf-first; rule 2: wrong type is ENOENT")
    void referencesAndTeardown() {
        Harness h = new Harness();
        List<String> log = new ArrayList<>();
        int ioasId = h.ioasAlloc();
        Ioas ioas = h.ioas(ioasId);
        FakeHwpt hwpt = new FakeHwpt(ioas, log);
        h.ctx.objects.allocate(hwpt);
        h.ctx.publish(hwpt);
        assertThat(hwpt.id()).isEqualTo(2);
        MemorySegment buf = h.buffer(PAGE);
        assertThat(errno(() -> h.map(hwpt.id(), RW | FIXED, buf.address(), PAGE, PAGE)))
                .isEqualTo(Errno.ENOENT);
        h.map(ioasId, RW | FIXED, buf.address(), PAGE, PAGE);
        assertThat(errno(() -> destroy(h, ioasId))).isEqualTo(Errno.EBUSY);
        // An allocated but unpublished object holds its ID and is invisible.
        Ioas pending = Ioas.alloc(h.ctx);
        assertThat(pending.id()).isEqualTo(3);
        assertThat(errno(() -> destroy(h, 3))).isEqualTo(Errno.ENOENT);
        h.ctx.objects.abort(pending);
        h.close();
        assertThat(log).containsExactly("hwpt");
        assertThat(h.ctx.objects.objects()).isEmpty();
        assertThat(ioas.iopt.areaCount()).isZero();
    }

    @Test
    @DisplayName("rule 33: VFIO's compat IOAS creation publishes once and refuses no-IOMMU mode")
    void compatIoasCreation() {
        try (Harness h = new Harness()) {
            VfioCompat.compatIoasCreate(h.ctx);
            VfioCompat.compatIoasCreate(h.ctx);
            assertThat(h.ctx.objects.objects()).hasSize(1);
            assertThat(errno(h.ctx::setNoIommuMode)).isEqualTo(Errno.EINVAL);
        }
        try (Harness h = new Harness()) {
            h.ctx.setNoIommuMode();
            assertThat(errno(() -> VfioCompat.compatIoasCreate(h.ctx))).isEqualTo(Errno.EINVAL);
            assertThat(h.ctx.objects.isEmpty()).isTrue();
        }
    }
}
