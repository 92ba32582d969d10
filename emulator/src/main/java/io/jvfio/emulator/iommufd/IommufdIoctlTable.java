package io.jvfio.emulator.iommufd;

import io.jvfio.abi.StructDef;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommuFaultAlloc;
import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.iommufd.IommuHwQueueAlloc;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.abi.iommufd.IommuHwptInvalidate;
import io.jvfio.abi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasAllowIovas;
import io.jvfio.abi.iommufd.IommuIoasChangeProcess;
import io.jvfio.abi.iommufd.IommuIoasCopy;
import io.jvfio.abi.iommufd.IommuIoasIovaRanges;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasMapFile;
import io.jvfio.abi.iommufd.IommuIoasUnmap;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommuVdeviceAlloc;
import io.jvfio.abi.iommufd.IommuVeventqAlloc;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.iommufd.IommuViommuAlloc;
import io.jvfio.abi.iommufd.IommufdIoctl;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommufdTestIoctl;

/**
 * Every /dev/iommu ioctl in one place ({@code iommufd_ioctl_ops[]}): request number, argument
 * struct (whose {@link StructDef#minSize} is the kernel's {@code IOCTL_OP} minimum) and handler.
 * Indexed by {@code nr - 0x80}; numbers outside the table go to {@link VfioCompat}.
 */
final class IommufdIoctlTable {
    /** An ioctl handler: reads {@code u.cmd}, throws ErrnoException on failure, responds itself. */
    @FunctionalInterface
    interface Handler {
        void execute(Ucmd u);
    }

    record Op(long request, StructDef def, Handler handler) {}

    private static final Op[] OPS = new Op[0x21];

    static {
        op(IommufdIoctl.IOMMU_DESTROY, IommuDestroy.DEF, IommufdFile::destroy);
        op(IommufdIoctl.IOMMU_IOAS_ALLOC, IommuIoasAlloc.DEF, Ioas::allocIoctl);
        op(IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, IommuIoasAllowIovas.DEF, Ioas::allowIovas);
        op(IommufdIoctl.IOMMU_IOAS_COPY, IommuIoasCopy.DEF, Ioas::copy);
        op(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, IommuIoasIovaRanges.DEF, Ioas::iovaRanges);
        op(IommufdIoctl.IOMMU_IOAS_MAP, IommuIoasMap.DEF, Ioas::map);
        op(IommufdIoctl.IOMMU_IOAS_UNMAP, IommuIoasUnmap.DEF, Ioas::unmap);
        op(IommufdIoctl.IOMMU_OPTION, IommuOption.DEF, IommufdFile::option);
        op(IommufdIoctl.IOMMU_VFIO_IOAS, IommuVfioIoas.DEF, VfioCompat::vfioIoas);
        op(IommufdIoctl.IOMMU_HWPT_ALLOC, IommuHwptAlloc.DEF, HwptIoctls::alloc);
        op(IommufdIoctl.IOMMU_GET_HW_INFO, IommuHwInfo.DEF, HwptIoctls::getHwInfo);
        op(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, IommuHwptSetDirtyTracking.DEF, HwptIoctls::setDirtyTracking);
        op(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP, IommuHwptGetDirtyBitmap.DEF, HwptIoctls::getDirtyBitmap);
        op(IommufdIoctl.IOMMU_HWPT_INVALIDATE, IommuHwptInvalidate.DEF, HwptIoctls::invalidate);
        op(IommufdIoctl.IOMMU_FAULT_QUEUE_ALLOC, IommuFaultAlloc.DEF, Fault::alloc);
        op(IommufdIoctl.IOMMU_IOAS_MAP_FILE, IommuIoasMapFile.DEF, Ioas::mapFile);
        op(IommufdIoctl.IOMMU_VIOMMU_ALLOC, IommuViommuAlloc.DEF, Viommu::alloc);
        op(IommufdIoctl.IOMMU_VDEVICE_ALLOC, IommuVdeviceAlloc.DEF, Vdevice::alloc);
        op(IommufdIoctl.IOMMU_IOAS_CHANGE_PROCESS, IommuIoasChangeProcess.DEF, Ioas::changeProcess);
        op(IommufdIoctl.IOMMU_VEVENTQ_ALLOC, IommuVeventqAlloc.DEF, Veventq::alloc);
        op(IommufdIoctl.IOMMU_HW_QUEUE_ALLOC, IommuHwQueueAlloc.DEF, HwQueue::alloc);
        op(IommufdTestIoctl.IOMMU_TEST_CMD, IommuTestCmd.DEF, Selftest::testCmd);
    }

    private IommufdIoctlTable() {}

    private static void op(long request, StructDef def, Handler handler) {
        OPS[(int) (request & 0xff) - IommufdIoctl.BASE] = new Op(request, def, handler);
    }

    /** The table's length: IOMMU_TEST_CMD (0xa0) extends it only with CONFIG_IOMMUFD_TEST. */
    static int size(boolean testCmd) {
        return testCmd ? OPS.length : (int) (IommufdIoctl.IOMMU_HW_QUEUE_ALLOC & 0xff) - IommufdIoctl.BASE + 1;
    }

    /** The slot for {@code index} (nr - 0x80), or null for a hole. */
    static Op get(int index) {
        return OPS[index];
    }
}
