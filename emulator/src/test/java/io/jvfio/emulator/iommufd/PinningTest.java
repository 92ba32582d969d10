package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.Harness.FIXED;
import static io.jvfio.emulator.iommufd.Harness.PAGE;
import static io.jvfio.emulator.iommufd.Harness.RW;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuIoasChangeProcess;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.EmulatorConfig;
import io.jvfio.emulator.Task;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Rules 8-10, 13, 16, 18 and 19 where they need domains, accesses or the pin counters. */
class PinningTest {
    private static final long IOVA = 1L << 20;

    @Test
    @DisplayName("pins belong to their kernel: a second kernel in the JVM sees none of the first's")
    void pinsArePerKernel() {
        EmulatorConfig test = EmulatorConfig.defaults().withIommufdTest(true);
        try (Harness a = new Harness(test);
                Harness b = new Harness(test)) {
            MemorySegment buf = a.buffer(2 * PAGE);
            buf.fill((byte) 1);
            int ioas = a.ioasAlloc();
            a.mockDomain(ioas);
            a.mapFixed(ioas, buf.address(), 2 * PAGE, IommufdTestConst.MOCK_APERTURE_START);
            assertThat(a.kernel.physicalPages().pinnedPages()).isEqualTo(2);
            assertThat(b.kernel.physicalPages().pinnedPages()).isZero();
            b.checkRefs(buf.address(), 2 * PAGE, 0);
            a.checkRefs(buf.address(), 2 * PAGE, 1);
            a.unmap(ioas, IommufdTestConst.MOCK_APERTURE_START, 2 * PAGE);
            assertThat(a.kernel.physicalPages().pinnedPages()).isZero();
        }
    }

    @Test
    @DisplayName("rule 8: pages are pinned only when a domain exists, then when it is added")
    void pinningIsLazy() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            MemorySegment buf = h.buffer(4 * PAGE);
            h.map(id, RW | FIXED, buf.address(), 4 * PAGE, IOVA);
            assertThat(h.pinnedPages()).isZero();
            FakeDomain d = FakeDomain.full();
            h.ioas(id).iopt.addDomain(d);
            assertThat(h.pinnedPages()).isEqualTo(4);
            assertThat(d.mapped).containsOnlyKeys(IOVA);
            assertThat(d.mapped.get(IOVA)).containsExactly(buf.address(), 4 * PAGE);
            h.map(id, RW | FIXED, buf.address(), 2 * PAGE, 2 * IOVA);
            assertThat(h.pinnedPages()).isEqualTo(6);
            assertThat(h.checkInvariants()).isEqualTo(6);
            h.unmap(id, IOVA, 4 * PAGE);
            assertThat(h.pinnedPages()).isEqualTo(2);
            h.ioas(id).iopt.removeDomain(d);
            assertThat(h.pinnedPages()).isZero();
            assertThat(d.mapped).isEmpty();
        }
    }

    @Test
    @DisplayName("rule 6/8: with a domain, bad user memory is EFAULT and the map leaves nothing behind")
    void pinFaultsAreEfault() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            FakeDomain d = FakeDomain.full();
            h.ioas(id).iopt.addDomain(d);
            MemorySegment ro = h.mmap(2 * PAGE, Linux.Prot.READ);
            MemorySegment none = h.mmap(PAGE, Linux.Prot.NONE);
            MemorySegment gone = h.kernel.mmap(PAGE, Linux.Prot.READ, Linux.Map.PRIVATE | Linux.Map.ANONYMOUS, -1, 0);
            h.kernel.munmap(gone);
            assertThat(errno(() -> h.map(id, RW | FIXED, ro.address(), 2 * PAGE, IOVA)))
                    .isEqualTo(Errno.EFAULT);
            assertThat(errno(() -> h.map(id, RW | FIXED, none.address(), PAGE, IOVA)))
                    .isEqualTo(Errno.EFAULT);
            assertThat(errno(() -> h.map(id, RW | FIXED, gone.address(), PAGE, IOVA)))
                    .isEqualTo(Errno.EFAULT);
            assertThat(h.ioas(id).iopt.areaCount()).isZero();
            assertThat(h.pinnedPages()).isZero();
            assertThat(d.count()).isZero();
            // Read-only memory pins fine for a read-only mapping.
            h.map(id, IommuIoasMap.FLAG_READABLE | FIXED, ro.address(), 2 * PAGE, IOVA);
            assertThat(h.pinnedPages()).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("rule 8: pins come from the mapping process: after it exited, attaching is EFAULT")
    void mappingProcessGone() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            MemorySegment buf = h.buffer(2 * PAGE);
            Task child = h.kernel.newProcess();
            h.kernel.callAs(child, () -> h.map(id, RW | FIXED, buf.address(), 2 * PAGE, IOVA));
            FakeDomain d = FakeDomain.full();
            h.ioas(id).iopt.addDomain(d);
            assertThat(child.mm().pinnedPages()).isEqualTo(2);
            assertThat(h.kernel.initTask().mm().pinnedPages()).isZero();
            h.ioas(id).iopt.removeDomain(d);
            child.exit();
            assertThat(errno(() -> h.ioas(id).iopt.addDomain(d))).isEqualTo(Errno.EFAULT);
            assertThat(child.mm().pinnedPages()).isZero();
        }
    }

    @Test
    @DisplayName("rule 8: after the mapping process exited, access rw reaches the pages still pinned, only those")
    void pinnedPagesOutliveTheMappingProcess() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            MemorySegment buf = h.buffer(2 * PAGE);
            buf.fill((byte) 7);
            FakeDomain d = FakeDomain.full();
            h.ioas(id).iopt.addDomain(d);
            Task child = h.kernel.newProcess();
            h.kernel.callAs(child, () -> h.map(id, RW | FIXED, buf.address(), 2 * PAGE, IOVA));
            child.exit();
            IoPagetable iopt = h.ioas(id).iopt;
            byte[] back = new byte[3];
            AreaAccess.rw(iopt, IOVA + PAGE - 1, MemorySegment.ofArray(back), false);
            assertThat(back).containsOnly(7);
            AreaAccess.rw(iopt, IOVA + PAGE - 1, MemorySegment.ofArray(new byte[] {1, 2, 3}), true);
            assertThat(buf.asSlice(PAGE - 1, 3).toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3);
            // Without the domain nothing pins them, and there is no process left to pin them from.
            iopt.removeDomain(d);
            assertThat(errno(() -> AreaAccess.rw(iopt, IOVA, MemorySegment.ofArray(back), false)))
                    .isEqualTo(Errno.EFAULT);
        }
    }

    @Test
    @DisplayName("rule 8: adding a domain over unpinnable areas fails and changes nothing")
    void addDomainFillFailureRollsBack() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            MemorySegment buf = h.buffer(2 * PAGE);
            MemorySegment none = h.mmap(PAGE, Linux.Prot.NONE);
            h.map(id, RW | FIXED, buf.address(), 2 * PAGE, IOVA);
            h.map(id, RW | FIXED, none.address(), PAGE, 2 * IOVA);
            FakeDomain d = FakeDomain.full();
            assertThat(errno(() -> h.ioas(id).iopt.addDomain(d))).isEqualTo(Errno.EFAULT);
            assertThat(d.count()).isZero();
            assertThat(h.pinnedPages()).isZero();
            assertThat(h.ioas(id).iopt.hasDomains()).isFalse();
        }
    }

    @Test
    @DisplayName("rule 9: each page is pinned once per page set, whatever number of domains and copies")
    void pinnedOncePerPageSet() {
        try (Harness h = new Harness()) {
            int a = h.ioasAlloc();
            int b = h.ioasAlloc();
            FakeDomain d1 = FakeDomain.full();
            FakeDomain d2 = FakeDomain.full();
            FakeDomain d3 = FakeDomain.full();
            h.ioas(a).iopt.addDomain(d1);
            h.ioas(a).iopt.addDomain(d2);
            h.ioas(b).iopt.addDomain(d3);
            MemorySegment buf = h.buffer(8 * PAGE);
            h.map(a, RW | FIXED, buf.address(), 8 * PAGE, IOVA);
            assertThat(h.pinnedPages()).isEqualTo(8);
            h.copy(b, a, RW | FIXED, IOVA + PAGE, 4 * PAGE, IOVA);
            h.copy(b, a, RW | FIXED, IOVA, 8 * PAGE, 4 * IOVA);
            assertThat(h.pinnedPages()).isEqualTo(8);
            assertThat(h.checkInvariants()).isEqualTo(8);
            // Removing the storage domain hands storage to the other one without unpinning.
            h.ioas(a).iopt.removeDomain(d1);
            assertThat(h.pinnedPages()).isEqualTo(8);
            h.unmap(a, 0, -1L);
            assertThat(h.pinnedPages()).isEqualTo(8);
            h.unmap(b, 4 * IOVA, 8 * PAGE);
            assertThat(h.pinnedPages()).isEqualTo(4);
            // A second MAP of the same memory is a second page set: pinned again.
            h.map(b, RW | FIXED, buf.address(), 8 * PAGE, 8 * IOVA);
            assertThat(h.pinnedPages()).isEqualTo(12);
            h.unmap(b, 0, -1L);
            assertThat(h.pinnedPages()).isZero();
        }
    }

    @Test
    @DisplayName("rule 4/9: close releases every pin before it returns")
    void closeReleasesPins() {
        Harness h = new Harness();
        int a = h.ioasAlloc();
        h.ioas(a).iopt.addDomain(FakeDomain.full());
        MemorySegment buf = h.buffer(16 * PAGE);
        long iova = h.map(a, RW, buf.address(), 16 * PAGE, 0);
        h.copy(h.ioasAlloc(), a, RW, iova + PAGE, PAGE, 0);
        assertThat(h.pinnedPages()).isEqualTo(16);
        h.kernel.close(h.fd);
        assertThat(h.pinnedPages()).isZero();
        assertThat(h.ctx.objects.objects()).isEmpty();
    }

    @Test
    @DisplayName("rule 10: USER accounting against RLIMIT_MEMLOCK; ENOMEM leaves nothing")
    void userAccounting() {
        EmulatorConfig cfg = EmulatorConfig.defaults().unprivileged().withRlimitMemlock(8 * PAGE);
        try (Harness h = new Harness(cfg)) {
            int id = h.ioasAlloc();
            h.ioas(id).iopt.addDomain(FakeDomain.full());
            MemorySegment buf = h.buffer(16 * PAGE);
            h.map(id, RW | FIXED, buf.address(), 6 * PAGE, IOVA);
            Task t = h.kernel.initTask();
            assertThat(t.user().lockedPages()).isEqualTo(6);
            assertThat(t.mm().pinnedPages()).isEqualTo(6);
            assertThat(t.mm().lockedPages()).isZero();
            assertThat(errno(() -> h.map(id, RW | FIXED, buf.address(), 3 * PAGE, 2 * IOVA)))
                    .isEqualTo(Errno.ENOMEM);
            assertThat(h.ioas(id).iopt.areaCount()).isEqualTo(1);
            assertThat(t.user().lockedPages()).isEqualTo(6);
            h.unmap(id, 0, -1L);
            assertThat(t.user().lockedPages()).isZero();
            assertThat(t.mm().pinnedPages()).isZero();
        }
    }

    @Test
    @DisplayName("rule 10: privileged mappings are not charged; RLIMIT_MODE SET needs CAP_SYS_RESOURCE")
    void privilegeAndMmMode() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            h.ioas(id).iopt.addDomain(FakeDomain.full());
            MemorySegment buf = h.buffer(4 * PAGE);
            h.map(id, RW, buf.address(), 4 * PAGE, 0);
            assertThat(h.kernel.initTask().user().lockedPages()).isZero();
            assertThat(h.kernel.initTask().mm().pinnedPages()).isEqualTo(4);
        }
        EmulatorConfig cfg = EmulatorConfig.defaults().unprivileged();
        try (Harness h = new Harness(cfg)) {
            assertThat(errno(() -> h.option(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 1)))
                    .isEqualTo(Errno.EPERM);
        }
        try (Harness h = new Harness(cfg.withCapSysResource(true))) {
            h.option(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 1);
            int id = h.ioasAlloc();
            h.ioas(id).iopt.addDomain(FakeDomain.full());
            MemorySegment buf = h.buffer(4 * PAGE);
            h.map(id, RW, buf.address(), 4 * PAGE, 0);
            assertThat(h.kernel.initTask().mm().lockedPages()).isEqualTo(4);
            assertThat(h.kernel.initTask().user().lockedPages()).isZero();
        }
    }

    @Test
    @DisplayName("rule 10: CHANGE_PROCESS moves every charge to the caller, all or nothing")
    void changeProcessMovesCharges() {
        EmulatorConfig cfg = EmulatorConfig.defaults().unprivileged().withCapSysResource(true);
        try (Harness h = new Harness(cfg)) {
            h.option(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 1);
            int id = h.ioasAlloc();
            h.ioas(id).iopt.addDomain(FakeDomain.full());
            int memfd = h.kernel.memfd("cp", 0);
            h.kernel.ftruncate(memfd, 8 * PAGE);
            h.mapFile(id, RW | FIXED, memfd, 0, 8 * PAGE, IOVA);
            h.copy(id, id, RW | FIXED, IOVA, 4 * PAGE, 2 * IOVA);
            Task old = h.kernel.initTask();
            assertThat(old.mm().lockedPages()).isEqualTo(8);
            Task next = h.kernel.newProcess();
            next.setRlimitMemlock(4 * PAGE);
            assertThat(errno(() -> h.kernel.callAs(next, () -> {
                        changeProcess(h);
                        return null;
                    })))
                    .isEqualTo(Errno.ENOMEM);
            assertThat(old.mm().lockedPages()).isEqualTo(8);
            assertThat(next.mm().lockedPages()).isZero();
            next.setRlimitMemlock(64 * PAGE);
            h.kernel.callAs(next, () -> {
                changeProcess(h);
                return null;
            });
            assertThat(old.mm().lockedPages()).isZero();
            assertThat(old.mm().pinnedPages()).isZero();
            assertThat(next.mm().lockedPages()).isEqualTo(8);
            assertThat(next.mm().pinnedPages()).isEqualTo(8);
            h.unmap(id, 0, -1L);
            assertThat(next.mm().lockedPages()).isZero();
            h.kernel.close(memfd);
        }
    }

    private static void changeProcess(Harness h) {
        MemorySegment s = IommuIoasChangeProcess.DEF.allocate(h.arena);
        h.kernel.ioctl(h.fd, IommufdIoctl.IOMMU_IOAS_CHANGE_PROCESS, s);
    }

    @Test
    @DisplayName("rule 19: file pages are checked when pinned: beyond EOF or not shmem is EINVAL")
    void filePinChecks() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            int memfd = h.kernel.memfd("pin", 0);
            h.kernel.ftruncate(memfd, 2 * PAGE);
            h.mapFile(id, RW | FIXED, memfd, 0, 4 * PAGE, IOVA);
            FakeDomain d = FakeDomain.full();
            assertThat(errno(() -> h.ioas(id).iopt.addDomain(d))).isEqualTo(Errno.EINVAL);
            h.unmap(id, 0, -1L);
            h.ioas(id).iopt.addDomain(d);
            assertThat(h.mapFile(id, RW | FIXED, memfd, PAGE, PAGE, IOVA)).isEqualTo(IOVA);
            assertThat(h.pinnedPages()).isEqualTo(1);
            // The domain sees the file's real pages: bytes written through it reach the file.
            long host = d.mapped.get(IOVA)[0];
            MemorySegment.ofAddress(host).reinterpret(8).set(ValueLayout.JAVA_LONG, 0, 42);
            MemorySegment readBack = h.arena.allocate(8);
            h.kernel.pread(memfd, readBack, PAGE);
            assertThat(readBack.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(42);
            int efd = h.kernel.eventfd(0, 0);
            assertThat(errno(() -> h.mapFile(id, RW | FIXED, efd, 0, PAGE, 2 * IOVA)))
                    .isEqualTo(Errno.EINVAL);
            h.kernel.close(efd);
            h.kernel.close(memfd);
        }
    }

    @Test
    @DisplayName("rule 5/16: domains set alignment and reserve outside their aperture")
    void domainsReserveAndAlign() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            IoPagetable iopt = h.ioas(id).iopt;
            MemorySegment buf = h.buffer(4 * PAGE);
            h.map(id, RW | FIXED, buf.address(), PAGE, 1L << 30);
            assertThat(errno(() -> iopt.addDomain(new FakeDomain(~0x1fffL, 0, -1L))))
                    .isEqualTo(Errno.EINVAL);
            FakeDomain narrow = new FakeDomain(~0x7ffL, 1L << 24, (1L << 31) - 1);
            h.map(id, RW | FIXED, buf.address(), PAGE, 1L << 32);
            assertThat(errno(() -> iopt.addDomain(narrow))).isEqualTo(Errno.EADDRINUSE);
            h.unmap(id, 1L << 32, PAGE);
            h.map(id, RW | FIXED, buf.address() + 1, PAGE, 1L << 29);
            assertThat(errno(() -> iopt.addDomain(narrow))).isEqualTo(Errno.EADDRINUSE);
            h.unmap(id, 1L << 29, PAGE);
            iopt.addDomain(narrow);
            assertThat(iopt.iovaAlignment()).isEqualTo(2048);
            List<long[]> ranges = new ArrayList<>();
            iopt.iovaLock.readLock().lock();
            try {
                iopt.forEachUsableRange((s, l) -> ranges.add(new long[] {s, l}));
            } finally {
                iopt.iovaLock.readLock().unlock();
            }
            assertThat(ranges).singleElement().satisfies(r -> assertThat(r).containsExactly(1L << 24, (1L << 31) - 1));
            // A fixed IOVA in a reserved range is EINVAL (an existing area would be EEXIST).
            assertThat(errno(() -> h.map(id, RW | FIXED, buf.address(), PAGE, PAGE)))
                    .isEqualTo(Errno.EINVAL);
            assertThat(errno(() -> h.map(id, RW | FIXED, buf.address(), PAGE, 1L << 30)))
                    .isEqualTo(Errno.EEXIST);
            TreeMapBuilder allowed = new TreeMapBuilder().add(0, PAGE);
            assertThat(errno(() -> iopt.setAllowed(allowed.map))).isEqualTo(Errno.EADDRINUSE);
            // Automatic IOVAs come from the aperture.
            assertThat(h.map(id, RW, buf.address(), PAGE, 0)).isEqualTo(1L << 24);
            // HUGE_PAGES=0 is refused with domains and areas present.
            assertThat(errno(() -> iopt.disableLargePages())).isEqualTo(Errno.EINVAL);
            h.unmap(id, 0, -1L);
            iopt.removeDomain(narrow);
            assertThat(iopt.iovaAlignment()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("rule 18: HUGE_PAGES=0 maps every domain in PAGE_SIZE pieces, all or nothing")
    void disabledLargePagesFillDomainsPageByPage() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            IoPagetable iopt = h.ioas(id).iopt;
            MemorySegment buf = h.buffer(4 * PAGE);
            FakeDomain d = FakeDomain.full();
            iopt.addDomain(d);
            h.map(id, RW | FIXED, buf.address(), 4 * PAGE, IOVA);
            assertThat(d.mapped).as("large pages allowed: one call").hasSize(1);
            h.unmap(id, IOVA, 4 * PAGE);

            iopt.disableLargePages();
            h.map(id, RW | FIXED, buf.address(), 4 * PAGE, IOVA);
            assertThat(d.mapped.keySet()).containsExactly(IOVA, IOVA + PAGE, IOVA + 2 * PAGE, IOVA + 3 * PAGE);
            FakeDomain late = FakeDomain.full();
            iopt.addDomain(late);
            assertThat(late.mapped)
                    .as("a domain added later is filled the same way")
                    .hasSize(4);
            h.unmap(id, IOVA, 4 * PAGE);
            assertThat(d.mapped).isEmpty();

            d.failMapsAfter = 2;
            assertThat(errno(() -> h.map(id, RW | FIXED, buf.address(), 4 * PAGE, IOVA)))
                    .isEqualTo(Errno.ENOMEM);
            assertThat(d.mapped).isEmpty();
            assertThat(late.mapped).isEmpty();
            assertThat(h.pinnedPages()).isZero();
        }
    }

    @Test
    @DisplayName("rule 13: unmap asks accesses to unpin; one that never does gives EDEADLK")
    void unmapNotifiesAccesses() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            IoPagetable iopt = h.ioas(id).iopt;
            FakeAccess access = new FakeAccess(iopt);
            iopt.addAccess(access);
            assertThat(iopt.iovaAlignment()).isEqualTo(PAGE);
            MemorySegment buf = h.buffer(4 * PAGE);
            h.map(id, RW | FIXED, buf.address(), 4 * PAGE, IOVA);
            access.pin(IOVA + PAGE, 2 * PAGE);
            access.pin(IOVA + PAGE, PAGE);
            assertThat(h.pinnedPages()).isEqualTo(2);
            assertThat(h.unmap(id, IOVA, 4 * PAGE)).isEqualTo(4 * PAGE);
            assertThat(access.notifications).isEqualTo(1);
            assertThat(h.pinnedPages()).isZero();
            h.map(id, IommuIoasMap.FLAG_READABLE | FIXED, buf.address(), 4 * PAGE, IOVA);
            assertThat(errno(() -> access.pin(IOVA, PAGE))).isEqualTo(Errno.EPERM);
            assertThat(errno(() -> access.pin(IOVA + 4 * PAGE, PAGE))).isEqualTo(Errno.ENOENT);
            h.unmap(id, IOVA, 4 * PAGE);
            h.map(id, RW | FIXED, buf.address(), 4 * PAGE, IOVA);
            access.pin(IOVA, PAGE);
            access.stubborn = true;
            assertThat(errno(() -> h.unmap(id, IOVA, 4 * PAGE))).isEqualTo(Errno.EDEADLK);
            // The area now refuses new pins.
            assertThat(errno(() -> access.pin(IOVA + PAGE, PAGE))).isEqualTo(Errno.EINVAL);
            access.stubborn = false;
            assertThat(h.unmap(id, IOVA, 4 * PAGE)).isEqualTo(4 * PAGE);
            // An area locked by an internal access (a HW queue) cannot be unmapped at all.
            h.map(id, RW | FIXED, buf.address(), 4 * PAGE, IOVA);
            AreaAccess.pinPages(iopt, IOVA, PAGE, true, true);
            assertThat(errno(() -> h.unmap(id, IOVA, 4 * PAGE))).isEqualTo(Errno.EBUSY);
            AreaAccess.unpinPages(iopt, IOVA, PAGE, true);
            assertThat(h.unmap(id, IOVA, 4 * PAGE)).isEqualTo(4 * PAGE);
            assertThat(h.pinnedPages()).isZero();
            iopt.removeAccess(access);
            assertThat(iopt.iovaAlignment()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("rule 18: type1 splitting keeps one pin per page; access pins forbid splits")
    void splitKeepsPins() {
        try (Harness h = new Harness()) {
            int id = h.ioasAlloc();
            IoPagetable iopt = h.ioas(id).iopt;
            iopt.disableLargePages();
            iopt.addDomain(FakeDomain.full());
            MemorySegment buf = h.buffer(8 * PAGE);
            h.map(id, RW | FIXED, buf.address(), 8 * PAGE, IOVA);
            iopt.cutIova(new long[] {IOVA + 3 * PAGE - 1});
            assertThat(iopt.areaCount()).isEqualTo(2);
            assertThat(h.pinnedPages()).isEqualTo(8);
            assertThat(h.unmap(id, IOVA, 3 * PAGE)).isEqualTo(3 * PAGE);
            assertThat(h.pinnedPages()).isEqualTo(5);
            FakeAccess access = new FakeAccess(iopt);
            iopt.addAccess(access);
            access.pin(IOVA + 4 * PAGE, PAGE);
            assertThat(errno(() -> iopt.cutIova(new long[] {IOVA + 5 * PAGE - 1})))
                    .isEqualTo(Errno.EINVAL);
            assertThat(h.checkInvariants()).isEqualTo(5);
        }
    }

    /** A tiny builder for an allowed-range map. */
    private static final class TreeMapBuilder {
        final TreeMap<Long, Long> map = new TreeMap<>(Long::compareUnsigned);

        TreeMapBuilder add(long start, long last) {
            map.put(start, last);
            return this;
        }
    }
}
