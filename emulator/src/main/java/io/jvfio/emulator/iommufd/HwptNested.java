package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptInvalidate;
import io.jvfio.abi.iommufd.IommuHwptVtdS1;
import io.jvfio.abi.iommufd.IommuHwptVtdS1Invalidate;
import io.jvfio.abi.selftest.IommuHwptInvalidateSelftest;
import io.jvfio.abi.selftest.IommuHwptSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.iommu.Domain;
import io.jvfio.emulator.iommu.IommuDriver;
import io.jvfio.emulator.iommu.NestedDomain;
import io.jvfio.emulator.iommu.VtdCapabilities;
import io.jvfio.emulator.iommu.VtdStage1;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A nested HWPT ({@code struct iommufd_hwpt_nested}) on a NEST_PARENT paging HWPT. For a VT-d
 * device it holds a {@link NestedDomain}: a first-stage table in the parent's IOVA space that
 * devices attached to it translate through, and IOMMU_HWPT_INVALIDATE with
 * IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 invalidates (nested.c). For the selftest mock it is the mock's
 * stage-1 "domain", just its four mock IOTLB entries, which IOMMU_HWPT_INVALIDATE clears; a mock
 * device attached to it translates through the parent alone (the mock devices do no DMA).
 */
final class HwptNested extends HwPagetable {
    /** IOMMU_HWPT_DATA_VTD_S1 and its invalidation entry: their sizes up to {@code __reserved}. */
    private static final long VTD_S1_MIN = IommuHwptVtdS1.RESERVED.offset() + 4;

    private static final long VTD_S1_INVALIDATE_MIN = IommuHwptVtdS1Invalidate.RESERVED.offset() + 4;
    private static final long VTD_PAGE_SIZE = 4096;

    final HwptPaging parent;
    /** The vIOMMU it was allocated on (holding it rather than the parent), or null. */
    final Viommu viommu;
    /** mock_iommu_domain_nested.iotlb. */
    final int[] iotlb = new int[IommufdTestConst.MOCK_NESTED_DOMAIN_IOTLB_NUM];
    /** The VT-d first stage; null for the mock's. */
    NestedDomain domain;

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
     * iommufd_hwpt_nested_alloc: EOPNOTSUPP for flags other than FAULT_ID_VALID/PASID or no data;
     * EINVAL for an automatic or non-NEST_PARENT parent or one of another driver; then the driver's
     * domain_alloc_nested (the mock's or VT-d's).
     */
    static HwptNested alloc(IommufdCtx ctx, HwptPaging parent, IommufdDevice idev, int flags, UserData data) {
        if ((flags & ~(IommuHwptAlloc.FAULT_ID_VALID | IommuHwptAlloc.ALLOC_PASID)) != 0 || data.len() == 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        IommuDriver driver = idev.dev.driver();
        if (parent.autoDomain || !parent.nestParent || !driver.owns(parent.domain.format())) {
            throw new ErrnoException(Errno.EINVAL);
        }
        HwptNested hwpt = new HwptNested(parent, null, flags);
        ctx.objects.allocate(hwpt);
        parent.incUsers();
        if (driver == IommuDriver.MOCK) {
            hwpt.fill(ctx, data);
        } else {
            try {
                hwpt.domain = allocVtd(idev, parent, flags & ~IommuHwptAlloc.FAULT_ID_VALID, data);
            } catch (RuntimeException e) {
                ctx.objects.abort(hwpt);
                throw e;
            }
        }
        return hwpt;
    }

    /**
     * intel_iommu_domain_alloc_nested: EOPNOTSUPP when the unit has no nesting or for flags other
     * than PASID, or data other than IOMMU_HWPT_DATA_VTD_S1; EINVAL for a parent that is not a
     * nest parent; then the data's copy rules. The first-stage configuration is checked against
     * the unit only at attach (intel_pasid_setup_nested).
     */
    private static NestedDomain allocVtd(IommufdDevice idev, HwptPaging parent, int flags, UserData data) {
        VtdCapabilities caps = idev.dev.iommu().vtdCapabilities();
        if (!caps.nestedSupported() || (flags & ~IommuHwptAlloc.ALLOC_PASID) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        if (data.type() != IommuHwptAlloc.DATA_VTD_S1) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        if (!parent.domain.nestParent()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s1 = data.copyStruct(IommuHwptVtdS1.DEF, IommuHwptAlloc.DATA_VTD_S1, VTD_S1_MIN, arena);
            return NestedDomain.allocVtd(
                    parent.domain,
                    new VtdStage1(
                            IommuHwptVtdS1.FLAGS.get(s1),
                            IommuHwptVtdS1.PGTBL_ADDR.get(s1),
                            IommuHwptVtdS1.ADDR_WIDTH.get(s1)),
                    caps.firstStage1GiB());
        }
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
    Domain hwDomain() {
        return domain != null ? domain : parent.domain;
    }

    @Override
    void destroy() {
        if (domain != null) {
            domain.close();
        }
        putFault();
        if (viommu != null) {
            viommu.decUsers();
        } else {
            parent.decUsers();
        }
    }

    /**
     * The driver's cache_invalidate_user: entries in order; the first bad one stops processing and
     * is thrown. {@code done[0]} counts the entries applied, also when it throws.
     */
    synchronized void invalidate(UserData array, long entryLen, long entryNum, int[] done) {
        if (domain != null) {
            invalidateVtd(array, entryLen, entryNum, done);
            return;
        }
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

    /**
     * intel_nested_cache_invalidate_user: EINVAL for another data type; per entry the copy rules,
     * EOPNOTSUPP for flags other than LEAF or a non-zero reserved field, EINVAL for an address not
     * 4 KiB aligned or npages U64_MAX with a non-zero address. Each entry invalidates the naturally
     * aligned range the hardware's page-selective invalidation covers
     * (calculate_psi_aligned_address), everything when that reaches the top bit. LEAF changes
     * nothing here: the emulated IOTLB caches whole translations, no first-stage table entries.
     */
    private void invalidateVtd(UserData array, long entryLen, long entryNum, int[] done) {
        if (array.type() != IommuHwptInvalidate.HWPT_INVALIDATE_DATA_VTD_S1) {
            throw new ErrnoException(Errno.EINVAL);
        }
        try (Arena arena = Arena.ofConfined()) {
            for (long i = 0; i < entryNum; i++) {
                MemorySegment inv = new UserData(array.type(), array.uptr() + entryLen * i, entryLen)
                        .copyStruct(
                                IommuHwptVtdS1Invalidate.DEF,
                                IommuHwptInvalidate.HWPT_INVALIDATE_DATA_VTD_S1,
                                VTD_S1_INVALIDATE_MIN,
                                arena);
                long addr = IommuHwptVtdS1Invalidate.ADDR.get(inv);
                long npages = IommuHwptVtdS1Invalidate.NPAGES.get(inv);
                int flags = IommuHwptVtdS1Invalidate.FLAGS.get(inv);
                if ((flags & ~IommuHwptVtdS1Invalidate.FLAGS_LEAF) != 0
                        || IommuHwptVtdS1Invalidate.RESERVED.get(inv) != 0) {
                    throw new ErrnoException(Errno.EOPNOTSUPP);
                }
                if ((addr & (VTD_PAGE_SIZE - 1)) != 0 || (npages == -1L && addr != 0)) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                long first = addr;
                long last = addr + npages * VTD_PAGE_SIZE - 1;
                int sizeLg2 = 64 - Long.numberOfLeadingZeros(first ^ last);
                if (sizeLg2 >= 64) {
                    domain.invalidate(0, -1L);
                } else if (sizeLg2 > 12) {
                    long base = first & -(1L << sizeLg2);
                    domain.invalidate(base, base + (1L << sizeLg2) - 1);
                } else {
                    domain.invalidate(first, first + VTD_PAGE_SIZE - 1);
                }
                done[0]++;
            }
        }
    }
}
