package io.jvfio.conformance.iommufd;

import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuVdeviceAlloc;
import io.jvfio.abi.iommufd.IommuViommuAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.abi.selftest.IommufdTestIoctl;
import java.lang.foreign.MemorySegment;

/**
 * Rules 20–32 need devices: IOMMU_TEST_CMD's mock devices behind the mock IOMMU, which both
 * backends have (the emulated kernel with {@code jvfio.emulator.iommufdTest}, the test VM's kernel
 * with CONFIG_IOMMUFD_TEST).
 */
abstract class MockDeviceFixture extends IommufdFixture {
    static final long IOVA = IommufdTestConst.MOCK_APERTURE_START;

    MemorySegment testCmd(int op, int id) {
        MemorySegment c = IommuTestCmd.DEF.allocate(arena);
        IommuTestCmd.SIZE.set(c, (int) IommuTestCmd.DEF.size());
        IommuTestCmd.OP.set(c, op);
        IommuTestCmd.ID.set(c, id);
        return c;
    }

    /** A mock device's IDs: selftest object, device, HWPT it attached to. */
    record Mock(int stdevId, int idevId, int hwptId) {}

    Mock mockDomain(int ptId, int devFlags) {
        MemorySegment c = testCmd(
                devFlags == 0
                        ? IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN
                        : IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
                ptId);
        IommuTestCmd.MockDomainFlags.DEV_FLAGS.set(c, devFlags);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        return new Mock(
                IommuTestCmd.MockDomain.OUT_STDEV_ID.get(c),
                IommuTestCmd.MockDomain.OUT_IDEV_ID.get(c),
                IommuTestCmd.MockDomain.OUT_HWPT_ID.get(c));
    }

    int mockReplace(int stdevId, int ptId) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, stdevId);
        IommuTestCmd.MockDomainReplace.PT_ID.set(c, ptId);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        return IommuTestCmd.MockDomainReplace.PT_ID.get(c);
    }

    void checkMap(int hwptId, long iova, long length, long uptr) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_MD_CHECK_MAP, hwptId);
        IommuTestCmd.CheckMap.IOVA.set(c, iova);
        IommuTestCmd.CheckMap.LENGTH.set(c, length);
        IommuTestCmd.CheckMap.UPTR.set(c, uptr);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    MemorySegment hwptAllocStruct(int devId, int ptId, int flags) {
        MemorySegment c = IommuHwptAlloc.DEF.allocate(arena);
        IommuHwptAlloc.SIZE.set(c, (int) IommuHwptAlloc.DEF.size());
        IommuHwptAlloc.DEV_ID.set(c, devId);
        IommuHwptAlloc.PT_ID.set(c, ptId);
        IommuHwptAlloc.FLAGS.set(c, flags);
        return c;
    }

    int hwptAlloc(int devId, int ptId, int flags) {
        MemorySegment c = hwptAllocStruct(devId, ptId, flags);
        ioctl(IommufdIoctl.IOMMU_HWPT_ALLOC, c);
        return IommuHwptAlloc.OUT_HWPT_ID.get(c);
    }

    MemorySegment viommuStruct(int devId, int hwptId, int type) {
        MemorySegment c = IommuViommuAlloc.DEF.allocate(arena);
        IommuViommuAlloc.SIZE.set(c, (int) IommuViommuAlloc.DEF.size());
        IommuViommuAlloc.DEV_ID.set(c, devId);
        IommuViommuAlloc.HWPT_ID.set(c, hwptId);
        IommuViommuAlloc.TYPE.set(c, type);
        return c;
    }

    int viommuAlloc(int devId, int hwptId) {
        MemorySegment c = viommuStruct(devId, hwptId, IommufdTestConst.IOMMU_VIOMMU_TYPE_SELFTEST);
        ioctl(IommufdIoctl.IOMMU_VIOMMU_ALLOC, c);
        return IommuViommuAlloc.OUT_VIOMMU_ID.get(c);
    }

    int vdeviceAlloc(int viommuId, int devId, long virtId) {
        MemorySegment c = IommuVdeviceAlloc.DEF.allocate(arena);
        IommuVdeviceAlloc.SIZE.set(c, (int) IommuVdeviceAlloc.DEF.size());
        IommuVdeviceAlloc.VIOMMU_ID.set(c, viommuId);
        IommuVdeviceAlloc.DEV_ID.set(c, devId);
        IommuVdeviceAlloc.VIRT_ID.set(c, virtId);
        ioctl(IommufdIoctl.IOMMU_VDEVICE_ALLOC, c);
        return IommuVdeviceAlloc.OUT_VDEVICE_ID.get(c);
    }

    int createAccess(int ioas, boolean pin) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_CREATE_ACCESS, ioas);
        IommuTestCmd.CreateAccess.FLAGS.set(c, pin ? IommufdTestConst.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES : 0);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        return IommuTestCmd.CreateAccess.OUT_ACCESS_FD.get(c);
    }

    int accessPages(int accessFd, long iova, long length, long uptr, boolean write) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_PAGES, accessFd);
        IommuTestCmd.AccessPages.IOVA.set(c, iova);
        IommuTestCmd.AccessPages.LENGTH.set(c, length);
        IommuTestCmd.AccessPages.UPTR.set(c, uptr);
        IommuTestCmd.AccessPages.FLAGS.set(c, write ? IommufdTestConst.MOCK_FLAGS_ACCESS_WRITE : 0);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
        return IommuTestCmd.AccessPages.OUT_ACCESS_PAGES_ID.get(c);
    }

    void destroyPages(int accessFd, int item) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, accessFd);
        IommuTestCmd.DestroyAccessPages.ACCESS_PAGES_ID.set(c, item);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }

    void accessRw(int accessFd, long iova, MemorySegment buf, boolean write) {
        MemorySegment c = testCmd(IommufdTestIoctl.IOMMU_TEST_OP_ACCESS_RW, accessFd);
        IommuTestCmd.AccessRw.IOVA.set(c, iova);
        IommuTestCmd.AccessRw.LENGTH.set(c, buf.byteSize());
        IommuTestCmd.AccessRw.UPTR.set(c, buf.address());
        IommuTestCmd.AccessRw.FLAGS.set(c, write ? IommufdTestConst.MOCK_ACCESS_RW_WRITE : 0);
        ioctl(IommufdTestIoctl.IOMMU_TEST_CMD, c);
    }
}
