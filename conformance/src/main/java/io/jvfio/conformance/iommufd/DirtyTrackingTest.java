package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.abi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rule 26: dirty tracking on mock HWPTs. */
class DirtyTrackingTest extends MockDeviceFixture {
    void setDirtyTracking(int hwpt, boolean enable) {
        MemorySegment c = IommuHwptSetDirtyTracking.DEF.allocate(arena);
        IommuHwptSetDirtyTracking.SIZE.set(c, (int) IommuHwptSetDirtyTracking.DEF.size());
        IommuHwptSetDirtyTracking.HWPT_ID.set(c, hwpt);
        IommuHwptSetDirtyTracking.FLAGS.set(c, enable ? IommuHwptSetDirtyTracking.DIRTY_TRACKING_ENABLE : 0);
        ioctl(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, c);
    }

    /** IOMMU_TEST_OP_DIRTY: marks the pages whose bit is set in {@code bits} (page_size PAGE). */
    long markDirty(int hwpt, long iova, long pages, long bits) {
        MemorySegment bitmap = buffer(PAGE);
        bitmap.set(ValueLayout.JAVA_LONG, 0, bits);
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_DIRTY, hwpt);
        IommuTestCmd.Dirty.IOVA.set(c, iova);
        IommuTestCmd.Dirty.LENGTH.set(c, pages * PAGE);
        IommuTestCmd.Dirty.PAGE_SIZE.set(c, PAGE);
        IommuTestCmd.Dirty.UPTR.set(c, bitmap.address());
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        return IommuTestCmd.Dirty.OUT_NR_DIRTY.get(c);
    }

    long getDirty(int hwpt, long iova, long length, long pageSize, int flags, long preset) {
        MemorySegment bitmap = buffer(PAGE);
        bitmap.set(ValueLayout.JAVA_LONG, 0, preset);
        getDirtyStruct(hwpt, iova, length, pageSize, flags, bitmap.address());
        return bitmap.get(ValueLayout.JAVA_LONG, 0);
    }

    void getDirtyStruct(int hwpt, long iova, long length, long pageSize, int flags, long data) {
        MemorySegment c = IommuHwptGetDirtyBitmap.DEF.allocate(arena);
        IommuHwptGetDirtyBitmap.SIZE.set(c, (int) IommuHwptGetDirtyBitmap.DEF.size());
        IommuHwptGetDirtyBitmap.HWPT_ID.set(c, hwpt);
        IommuHwptGetDirtyBitmap.FLAGS.set(c, flags);
        IommuHwptGetDirtyBitmap.IOVA.set(c, iova);
        IommuHwptGetDirtyBitmap.LENGTH.set(c, length);
        IommuHwptGetDirtyBitmap.PAGE_SIZE.set(c, pageSize);
        IommuHwptGetDirtyBitmap.DATA.set(c, data);
        ioctl(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP, c);
    }

    /** Four separately mapped pages (so no IOPTE spans two), a dirty-tracking HWPT and a device on it. */
    int setUp(int ioas) {
        MemorySegment buf = buffer(8 * PAGE);
        for (int i = 0; i < 4; i++) {
            mapFixed(ioas, buf.address() + 2L * i * PAGE, PAGE, IOVA + i * PAGE);
        }
        Mock dev = mockDomain(ioas, 0);
        int hwpt = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_DIRTY_TRACKING);
        mockReplace(dev.stdevId(), hwpt);
        return hwpt;
    }

    @Test
    @DisplayName("rule 26: only DIRTY_TRACKING HWPTs have dirty ops; marking needs tracking on")
    void dirtyOpsOnlyWithTheFlag() {
        int ioas = ioasAlloc();
        int hwpt = setUp(ioas);
        Mock other = mockDomain(ioas, 0);
        assertThat(errno(() -> setDirtyTracking(other.hwptId(), true))).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> getDirty(other.hwptId(), IOVA, 4 * PAGE, PAGE, 0, 0)))
                .isEqualTo(Errno.EOPNOTSUPP);
        assertThat(errno(() -> markDirty(hwpt, IOVA, 4, 1))).isEqualTo(Errno.EINVAL);
        setDirtyTracking(hwpt, true);
        assertThat(markDirty(hwpt, IOVA, 4, 0b0101)).isEqualTo(2);
    }

    @Test
    @DisplayName("rule 26: bits per page_size unit, user bits never cleared, NO_CLEAR keeps IOPTE state")
    void bitmapSemantics() {
        int ioas = ioasAlloc();
        int hwpt = setUp(ioas);
        setDirtyTracking(hwpt, true);
        markDirty(hwpt, IOVA, 4, 0b0101);
        assertThat(getDirty(hwpt, IOVA, 4 * PAGE, PAGE, IommuHwptGetDirtyBitmap.NO_CLEAR, 0))
                .isEqualTo(0b0101);
        long half = PAGE / 2;
        // Each 4 KiB page is a run of two 2 KiB mock entries; 7.2's generic_pt record_dirty reports
        // a dirty run up to, not including, its last item: only the first half of each page.
        assertThat(getDirty(hwpt, IOVA, 4 * PAGE, half, IommuHwptGetDirtyBitmap.NO_CLEAR, 0))
                .isEqualTo(0b00010001);
        assertThat(getDirty(hwpt, IOVA, 4 * PAGE, PAGE, 0, 0b1000_0000)).isEqualTo(0b1000_0101);
        assertThat(getDirty(hwpt, IOVA, 4 * PAGE, PAGE, 0, 0)).isZero();
        // Enabling again first clears stale state.
        markDirty(hwpt, IOVA, 4, 0b1111);
        setDirtyTracking(hwpt, false);
        setDirtyTracking(hwpt, true);
        assertThat(getDirty(hwpt, IOVA, 4 * PAGE, PAGE, 0, 0)).isZero();
    }

    @Test
    @DisplayName("rule 26: GET_DIRTY_BITMAP range checks")
    void rangeChecks() {
        int ioas = ioasAlloc();
        int hwpt = setUp(ioas);
        setDirtyTracking(hwpt, true);
        long data = buffer(PAGE).address();
        assertThat(errno(() -> getDirtyStruct(hwpt, IOVA, 4 * PAGE, 0, 0, data)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> getDirtyStruct(hwpt, IOVA + 1024, PAGE, 2048, 0, data)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> getDirtyStruct(hwpt, IOVA, 2 * PAGE, 3 * PAGE, 0, data)))
                .isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> getDirtyStruct(hwpt, -PAGE, 2 * PAGE, PAGE, 0, data)))
                .isEqualTo(Errno.EOVERFLOW);
        assertThat(errno(() -> getDirtyStruct(hwpt, IOVA, PAGE, PAGE, 2, data))).isEqualTo(Errno.EOPNOTSUPP);
        // A gap in the range is not an error.
        getDirtyStruct(hwpt, IOVA, 64 * PAGE, PAGE, 0, data);
    }
}
