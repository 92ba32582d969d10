package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.Linux;
import io.jvfio.abi.iommufd.IommuHwQueueAlloc;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommufdTestConst;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rule 32: IOMMU_HW_QUEUE_ALLOC on the mock vIOMMU (single-page queues only). */
class HwQueueTest extends MockDeviceFixture {
    static final int SELFTEST = IommufdTestConst.IOMMU_HW_QUEUE_TYPE_SELFTEST;

    MemorySegment queueStruct(int viommu, int type, int index, long iova, long length) {
        MemorySegment c = IommuHwQueueAlloc.DEF.allocate(arena);
        IommuHwQueueAlloc.SIZE.set(c, (int) IommuHwQueueAlloc.DEF.size());
        IommuHwQueueAlloc.VIOMMU_ID.set(c, viommu);
        IommuHwQueueAlloc.TYPE.set(c, type);
        IommuHwQueueAlloc.INDEX.set(c, index);
        IommuHwQueueAlloc.NESTING_PARENT_IOVA.set(c, iova);
        IommuHwQueueAlloc.LENGTH.set(c, length);
        return c;
    }

    int queueAlloc(int viommu, int type, int index, long iova, long length) {
        MemorySegment c = queueStruct(viommu, type, index, iova, length);
        ioctl(IommufdIoctl.IOMMU_HW_QUEUE_ALLOC, c);
        return IommuHwQueueAlloc.OUT_HW_QUEUE_ID.get(c);
    }

    @Test
    @DisplayName("rule 32: validation order, index rules, pinned base (UNMAP EBUSY), dependency on the previous queue")
    void hwQueues() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        int viommu = viommuAlloc(dev.idevId(), parent);
        long iova = IOVA;
        MemorySegment flags = queueStruct(viommu, SELFTEST, 0, iova, PAGE);
        IommuHwQueueAlloc.FLAGS.set(flags, 1);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_HW_QUEUE_ALLOC, flags))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> queueAlloc(9999, IommuHwQueueAlloc.TYPE_DEFAULT, 0, iova, 0)))
                .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> queueAlloc(9999, SELFTEST, 0, iova, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> queueAlloc(9999, SELFTEST, 0, -1L, PAGE))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> queueAlloc(9999, SELFTEST, 0, iova, PAGE))).isEqualTo(Errno.ENOENT);
        assertThat(errno(() -> queueAlloc(viommu, IommuHwQueueAlloc.TYPE_TEGRA241_CMDQV, 0, iova, PAGE)))
                .isEqualTo(Errno.EOPNOTSUPP);
        // Nothing mapped at the base yet.
        assertThat(errno(() -> queueAlloc(viommu, SELFTEST, 0, iova, PAGE))).isEqualTo(Errno.ENOENT);

        MemorySegment buf = buffer(2 * PAGE);
        long iova1 = mapAuto(ioas, buf.address(), PAGE);
        long iova2 = mapAuto(ioas, buf.address() + PAGE, PAGE);
        // Index 1 needs index 0; the maximum is out of range (checked after the pin).
        assertThat(errno(() -> queueAlloc(viommu, SELFTEST, 1, iova1, PAGE))).isEqualTo(Errno.EIO);
        assertThat(errno(() -> queueAlloc(viommu, SELFTEST, IommufdTestConst.IOMMU_TEST_HW_QUEUE_MAX, iova1, PAGE)))
                .isEqualTo(Errno.EINVAL);
        int q0 = queueAlloc(viommu, SELFTEST, 0, iova1, PAGE);
        // The queue's internal access took the next ID: a published ACCESS nobody can destroy.
        assertThat(errno(() -> destroy(q0 + 1))).isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> queueAlloc(viommu, SELFTEST, 0, iova1, PAGE))).isEqualTo(Errno.EEXIST);
        assertThat(errno(() -> unmap(ioas, iova1, PAGE))).isEqualTo(Errno.EBUSY);
        unmap(ioas, iova2, PAGE); // not pinned
        int q1 = queueAlloc(viommu, SELFTEST, 1, iova1 + PAGE / 2, PAGE / 2);
        assertThat(errno(() -> destroy(q0))).isEqualTo(Errno.EBUSY);
        assertThat(errno(() -> destroy(viommu))).isEqualTo(Errno.EBUSY);
        destroy(q1);
        assertThat(errno(() -> unmap(ioas, iova1, PAGE))).isEqualTo(Errno.EBUSY);
        destroy(q0);
        assertThat(errno(() -> destroy(q0 + 1))).isEqualTo(Errno.ENOENT);
        assertThat(unmap(ioas, iova1, PAGE)).isEqualTo(PAGE);
        destroy(viommu);
    }

    @Test
    @DisplayName("rule 32: closing the iommufd with HW queues in place releases everything")
    void closeWithQueues() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        int viommu = viommuAlloc(dev.idevId(), parent);
        MemorySegment buf = buffer(PAGE);
        long iova = mapAuto(ioas, buf.address(), PAGE);
        int q0 = queueAlloc(viommu, SELFTEST, 0, iova, PAGE);
        queueAlloc(viommu, SELFTEST, 1, iova, 64);
        assertThat(q0).isPositive();
        k.close(fd);
        fd = -1;
        // The pins are gone with the context: a fresh iommufd can map the same memory again.
        fd = k.open("/dev/iommu", Linux.O.RDWR);
        int again = ioasAlloc();
        assertThat(again).isEqualTo(1);
        mapAuto(again, buf.address(), PAGE);
    }
}
