package io.jvfio.conformance.iommufd;

import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptInvalidate;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuHwptInvalidateSelftest;
import io.jvfio.abi.selftest.IommuHwptSelftest;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** semantics.md rules 23 (nesting), 24 (driver payload copies) and 25 (HWPT_INVALIDATE arrays). */
class NestedHwptTest extends MockDeviceFixture {
    static final int IOTLB = IommufdTestConst.IOMMU_TEST_IOTLB_DEFAULT;

    MemorySegment nestedStruct(int devId, int parent, long dataLen) {
        MemorySegment data = buffer(PAGE);
        IommuHwptSelftest.IOTLB.set(data, IOTLB);
        MemorySegment c = hwptAllocStruct(devId, parent, 0);
        IommuHwptAlloc.DATA_TYPE.set(c, IommufdTestConst.IOMMU_HWPT_DATA_SELFTEST);
        IommuHwptAlloc.DATA_LEN.set(c, (int) dataLen);
        IommuHwptAlloc.DATA_UPTR.set(c, data.address());
        return c;
    }

    int nested(int devId, int parent) {
        MemorySegment c = nestedStruct(devId, parent, IommuHwptSelftest.DEF.size());
        ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c);
        return IommuHwptAlloc.OUT_HWPT_ID.get(c);
    }

    void checkIotlb(int hwpt, int id, int value) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_MD_CHECK_IOTLB, hwpt);
        IommuTestCmd.CheckIotlb.ID.set(c, id);
        IommuTestCmd.CheckIotlb.IOTLB.set(c, value);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    /** HWPT_INVALIDATE of entries (flags, iotlb_id) pairs; returns [errno or null, entry_num back]. */
    Object[] invalidate(int hwpt, int type, long entryLen, int... flagsAndIds) {
        int n = flagsAndIds.length / 2;
        MemorySegment arr = buffer(PAGE);
        for (int i = 0; i < n; i++) {
            MemorySegment e = arr.asSlice(i * entryLen, IommuHwptInvalidateSelftest.DEF.size());
            IommuHwptInvalidateSelftest.FLAGS.set(e, flagsAndIds[2 * i]);
            IommuHwptInvalidateSelftest.IOTLB_ID.set(e, flagsAndIds[2 * i + 1]);
        }
        MemorySegment c = hwptInvalidateStruct(hwpt, type, entryLen, arr, n);
        Errno err = null;
        try {
            ioctl(IommufdIoctl.IOMMU_HWPT_INVALIDATE, c);
        } catch (ErrnoException e) {
            err = e.errno();
        }
        return new Object[] {err, IommuHwptInvalidate.ENTRY_NUM.get(c)};
    }

    @Test
    @DisplayName("rule 23: a mock nest parent maps read-only memory (refusing it is a VT-d erratum rule)")
    void mockNestParentMapsReadOnly() {
        int ioas = ioasAlloc();
        MemorySegment buf = buffer(2 * PAGE);
        buf.fill((byte) 1);
        map(ioas, IommuIoasMap.FLAG_READABLE | FIXED, buf.address(), PAGE, IOVA);
        Mock dev = mockDomain(ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        map(ioas, IommuIoasMap.FLAG_READABLE | FIXED, buf.address() + PAGE, PAGE, IOVA + PAGE);
        checkMap(parent, IOVA, 2 * PAGE, buf.address());
        assertThat(unmap(ioas, IOVA, 2 * PAGE)).isEqualTo(2 * PAGE);
    }

    @Test
    @DisplayName("rule 23: nested HWPTs need a manual NEST_PARENT parent; parents stay busy")
    void nestingRules() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int plain = hwptAlloc(dev.idevId(), ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        assertThat(errno(() -> nested(dev.idevId(), plain))).isEqualTo(Errno.EINVAL);
        assertThat(errno(() -> nested(dev.idevId(), dev.hwptId()))).isEqualTo(Errno.EINVAL);
        int child = nested(dev.idevId(), parent);
        assertThat(errno(() -> nested(dev.idevId(), child))).isEqualTo(Errno.EINVAL);
        checkIotlb(child, 0, IOTLB);
        assertThat(errno(() -> destroy(parent))).isEqualTo(Errno.EBUSY);
        assertThat(mockReplace(dev.stdevId(), child)).isEqualTo(child);
        assertThat(errno(() -> destroy(child))).isEqualTo(Errno.EBUSY);
        mockReplace(dev.stdevId(), ioas);
        destroy(child);
        destroy(parent);
    }

    @Test
    @DisplayName("rule 24: driver data: short or oversized length EINVAL (not E2BIG), wrong type EOPNOTSUPP")
    void payloadCopyRules() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        MemorySegment shortData = nestedStruct(dev.idevId(), parent, 2);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, shortData))).isEqualTo(Errno.EINVAL);
        MemorySegment longData = nestedStruct(dev.idevId(), parent, IommuHwptSelftest.DEF.size() + 8);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, longData))).isEqualTo(Errno.EINVAL);
        MemorySegment minimal = nestedStruct(dev.idevId(), parent, 4);
        ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, minimal);
        MemorySegment nullPtr = nestedStruct(dev.idevId(), parent, IommuHwptSelftest.DEF.size());
        IommuHwptAlloc.DATA_UPTR.set(nullPtr, 0);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, nullPtr))).isEqualTo(Errno.EFAULT);
        MemorySegment wrongType = nestedStruct(dev.idevId(), parent, IommuHwptSelftest.DEF.size());
        IommuHwptAlloc.DATA_TYPE.set(wrongType, 7);
        assertThat(errno(() -> ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, wrongType))).isEqualTo(Errno.EOPNOTSUPP);
    }

    @Test
    @DisplayName("rule 25: entries apply in order, processing stops at the first bad one, entry_num reports it")
    void invalidateArray() {
        int ioas = ioasAlloc();
        Mock dev = mockDomain(ioas, 0);
        int parent = hwptAlloc(dev.idevId(), ioas, IommuHwptAlloc.ALLOC_NEST_PARENT);
        int child = nested(dev.idevId(), parent);
        int type = IommufdTestConst.IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
        long len = IommuHwptInvalidateSelftest.DEF.size();
        assertThat(invalidate(parent, type, len, 0, 1)).containsExactly(Errno.EINVAL, 0);
        assertThat(invalidate(child, type, 0, 0, 1)).containsExactly(Errno.EINVAL, 0);
        assertThat(invalidate(child, type, PAGE + 1, 0, 1)).containsExactly(Errno.EINVAL, 0);
        assertThat(invalidate(child, 0x1234, len)).containsExactly(Errno.EINVAL, 0);
        assertThat(invalidate(child, type, len)).containsExactly(null, 0);
        assertThat(invalidate(child, type, len, 0, 1, 0, 9, 0, 2)).containsExactly(Errno.EINVAL, 1);
        assertThat(errno(() -> checkIotlb(child, 1, IOTLB))).isEqualTo(Errno.EINVAL);
        checkIotlb(child, 1, 0);
        checkIotlb(child, 2, IOTLB);
        assertThat(invalidate(child, type, len, 0, 2, 1 << 4, 0)).containsExactly(Errno.EOPNOTSUPP, 1);
        checkIotlb(child, 0, IOTLB);
        // An entry longer than the kernel's struct is EINVAL here, even with a zero tail (rule 24).
        assertThat(invalidate(child, type, 16, 0, 3)).containsExactly(Errno.EINVAL, 0);
        assertThat(invalidate(child, type, len, IommufdTestConst.IOMMU_TEST_INVALIDATE_FLAG_ALL, 0))
                .containsExactly(null, 1);
        checkIotlb(child, 0, 0);
    }
}
