package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.selftest.IommuHwptInvalidateSelftest;
import io.jvfio.abi.selftest.IommuHwptSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.iommu.IommuDomain;
import io.jvfio.emulator.iommu.IommuDriver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A nested HWPT ({@code struct iommufd_hwpt_nested}) on a NEST_PARENT paging HWPT. Only the mock
 * driver's is emulated: a stage-1 "domain" that is just its four mock IOTLB entries, which
 * IOMMU_HWPT_INVALIDATE clears. The emulated hardware has no stage-1 walk, so a device attached
 * to it translates through the parent (stage 2) alone.
 */
final class HwptNested extends HwPagetable {
    final HwptPaging parent;
    /** The vIOMMU it was allocated on (holding it rather than the parent), or null. */
    final Viommu viommu;
    /** mock_iommu_domain_nested.iotlb. */
    final int[] iotlb = new int[IommufdTestConst.MOCK_NESTED_DOMAIN_IOTLB_NUM];

    private HwptNested(HwptPaging parent, Viommu viommu, int flags) {
        super(ObjectType.HWPT_NESTED, (flags & IommuHwptAlloc.ALLOC_PASID) != 0);
        this.parent = parent;
        this.viommu = viommu;
    }

    /**
     * iommufd_viommu_alloc_hwpt_nested + mock_viommu_alloc_domain_nested: EOPNOTSUPP for flags
     * other than FAULT_ID_VALID/PASID or no data; the parent is the vIOMMU's HWPT, and the vIOMMU
     * is held instead of it. (The caller checked the device is behind the vIOMMU's IOMMU.)
     */
    static HwptNested allocOnViommu(IommufdCtx ctx, Viommu viommu, int flags, UserData data) {
        if ((flags & ~(IommuHwptAlloc.FAULT_ID_VALID | IommuHwptAlloc.ALLOC_PASID)) != 0 || data.len() == 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        HwptNested hwpt = new HwptNested(viommu.hwpt, viommu, flags);
        ctx.objects.allocate(hwpt);
        viommu.incUsers();
        hwpt.fill(ctx, data);
        return hwpt;
    }

    /**
     * iommufd_hwpt_nested_alloc + mock_domain_alloc_nested: EOPNOTSUPP for flags other than
     * FAULT_ID_VALID/PASID or a driver without nesting; EINVAL for an automatic or non-NEST_PARENT
     * parent or one of another driver; then the driver's data (rule 24 copy rules).
     */
    static HwptNested alloc(IommufdCtx ctx, HwptPaging parent, IommufdDevice idev, int flags, UserData data) {
        if ((flags & ~(IommuHwptAlloc.FAULT_ID_VALID | IommuHwptAlloc.ALLOC_PASID)) != 0
                || data.len() == 0
                || idev.dev.driver() != IommuDriver.MOCK) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        if (parent.autoDomain || !parent.nestParent || !idev.dev.driver().owns(parent.domain.format())) {
            throw new ErrnoException(Errno.EINVAL);
        }
        HwptNested hwpt = new HwptNested(parent, null, flags);
        ctx.objects.allocate(hwpt);
        parent.incUsers();
        hwpt.fill(ctx, data);
        return hwpt;
    }

    /** __mock_domain_alloc_nested's data: EOPNOTSUPP for another type, then the copy rules; aborts on failure. */
    private void fill(IommufdCtx ctx, UserData data) {
        HwptNested hwpt = this;
        try {
            if (data.type() != IommufdTestConst.IOMMU_HWPT_DATA_SELFTEST) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cfg = data.copyStruct(
                        IommuHwptSelftest.DEF,
                        IommufdTestConst.IOMMU_HWPT_DATA_SELFTEST,
                        IommuHwptSelftest.IOTLB.offset() + 4,
                        arena);
                Arrays.fill(hwpt.iotlb, IommuHwptSelftest.IOTLB.get(cfg));
            }
        } catch (RuntimeException e) {
            ctx.objects.abort(hwpt);
            throw e;
        }
    }

    @Override
    IommuDomain hwDomain() {
        return parent.domain;
    }

    @Override
    void destroy() {
        putFault();
        if (viommu != null) {
            viommu.decUsers();
        } else {
            parent.decUsers();
        }
    }

    /**
     * mock_domain_cache_invalidate_user: entries in order; the first bad one stops processing and
     * is thrown. {@code done[0]} counts the entries applied, also when it throws.
     */
    synchronized void invalidate(UserData array, long entryLen, long entryNum, int[] done) {
        if (array.type() != IommufdTestConst.IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) {
            throw new ErrnoException(Errno.EINVAL);
        }
        try (Arena arena = Arena.ofConfined()) {
            for (long i = 0; i < entryNum; i++) {
                MemorySegment inv = new UserData(array.type(), array.uptr() + entryLen * i, entryLen)
                        .copyStruct(
                                IommuHwptInvalidateSelftest.DEF,
                                IommufdTestConst.IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
                                IommuHwptInvalidateSelftest.IOTLB_ID.offset() + 4,
                                arena);
                int flags = IommuHwptInvalidateSelftest.FLAGS.get(inv);
                int id = IommuHwptInvalidateSelftest.IOTLB_ID.get(inv);
                if ((flags & ~IommufdTestConst.IOMMU_TEST_INVALIDATE_FLAG_ALL) != 0) {
                    throw new ErrnoException(Errno.EOPNOTSUPP);
                }
                if (Integer.compareUnsigned(id, IommufdTestConst.MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) > 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                if ((flags & IommufdTestConst.IOMMU_TEST_INVALIDATE_FLAG_ALL) != 0) {
                    Arrays.fill(iotlb, 0);
                } else {
                    iotlb[id] = 0;
                }
                done[0]++;
            }
        }
    }
}
