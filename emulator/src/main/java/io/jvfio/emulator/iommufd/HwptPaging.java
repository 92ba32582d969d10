package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.selftest.IommuHwptSelftest;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.iommu.IommuDevice;
import io.jvfio.emulator.iommu.IommuDomain;
import io.jvfio.emulator.iommu.IommuDriver;
import io.jvfio.emulator.iommu.PageTableFormat;
import io.jvfio.emulator.iommu.VtdCapabilities;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A paging HWPT ({@code struct iommufd_hwpt_paging}): an IOMMU domain that its IOAS fills with
 * every mapping from allocation on (rule 21). Automatic ones are created by attaching a device to
 * an IOAS and destroyed when their last device leaves (rule 20).
 */
final class HwptPaging extends HwPagetable implements IoptDomain {
    static final int VALID_FLAGS = IommuHwptAlloc.ALLOC_NEST_PARENT
            | IommuHwptAlloc.ALLOC_DIRTY_TRACKING
            | IommuHwptAlloc.FAULT_ID_VALID
            | IommuHwptAlloc.ALLOC_PASID;

    final Ioas ioas;
    final boolean nestParent;
    IommuDomain domain;
    boolean autoDomain;
    private boolean inIoas;

    private HwptPaging(Ioas ioas, int flags) {
        super(ObjectType.HWPT_PAGING, (flags & IommuHwptAlloc.ALLOC_PASID) != 0);
        this.ioas = ioas;
        this.nestParent = (flags & IommuHwptAlloc.ALLOC_NEST_PARENT) != 0;
    }

    /**
     * iommufd_hwpt_paging_alloc (caller holds {@code ioas.mutex} until publish or abort): flag
     * checks (EOPNOTSUPP), the driver's domain, optionally the immediate attach, then the domain
     * joins the IOAS. Returns the allocated, unpublished HWPT.
     */
    static HwptPaging alloc(
            IommufdCtx ctx,
            Ioas ioas,
            IommufdDevice idev,
            int pasid,
            int flags,
            boolean immediateAttach,
            UserData data) {
        if ((flags & ~VALID_FLAGS) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        if ((flags & IommuHwptAlloc.ALLOC_DIRTY_TRACKING) != 0 && !idev.dev.dirtyTracking()) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        if ((flags & IommuHwptAlloc.FAULT_ID_VALID) != 0 && (flags & IommuHwptAlloc.ALLOC_NEST_PARENT) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        HwptPaging hwpt = new HwptPaging(ioas, flags);
        ctx.objects.allocate(hwpt);
        ioas.incUsers();
        try {
            hwpt.domain = allocDomain(idev.dev, flags & ~IommuHwptAlloc.FAULT_ID_VALID, data);
            if (immediateAttach) {
                idev.hwptAttach(hwpt, pasid);
            }
            try {
                ioas.iopt.addDomain(hwpt);
            } catch (RuntimeException e) {
                if (immediateAttach) {
                    idev.hwptDetach(pasid);
                }
                throw e;
            }
        } catch (RuntimeException e) {
            ctx.objects.abort(hwpt);
            throw e;
        }
        hwpt.inIoas = true;
        ioas.hwpts.add(hwpt);
        return hwpt;
    }

    /** The driver's domain_alloc_paging_flags. */
    private static IommuDomain allocDomain(IommuDevice dev, int flags, UserData data) {
        boolean dirty = (flags & IommuHwptAlloc.ALLOC_DIRTY_TRACKING) != 0;
        boolean nestParent = (flags & IommuHwptAlloc.ALLOC_NEST_PARENT) != 0;
        IommuDriver driver = dev.driver();
        PageTableFormat format = driver.pagingFormat();
        if (driver == IommuDriver.MOCK) {
            if (data != null
                    && data.type() != IommufdTestConst.IOMMU_HWPT_DATA_SELFTEST
                    && data.type() != IommuHwptAlloc.DATA_NONE) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            if (data != null) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment cfg = data.copyStruct(
                            IommuHwptSelftest.DEF,
                            IommufdTestConst.IOMMU_HWPT_DATA_SELFTEST,
                            IommuHwptSelftest.IOTLB.offset() + 4,
                            arena);
                    if (IommuHwptSelftest.PAGETABLE_TYPE.get(cfg) == IommufdTestConst.MOCK_IOMMUPT_HUGE) {
                        format = PageTableFormat.MOCK_HUGE;
                    }
                }
            }
        } else {
            if (data != null) {
                throw new ErrnoException(Errno.EOPNOTSUPP);
            }
            checkVtdSecondStage(dev.iommu().vtdCapabilities(), nestParent, dirty);
        }
        return IommuDomain.allocPaging(format, dirty, nestParent);
    }

    /**
     * intel_iommu_domain_alloc_second_stage's checks (the emulated VT-d's paging domains are all
     * second-stage ones): EOPNOTSUPP for a nest parent without NEST, dirty tracking without SSADS,
     * or a scalable-mode unit without second-stage translation.
     */
    private static void checkVtdSecondStage(VtdCapabilities caps, boolean nestParent, boolean dirty) {
        if ((nestParent && !caps.nestedSupported())
                || (dirty && !caps.ssadsSupported())
                || (caps.smSupported() && !caps.secondStage())) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
    }

    @Override
    void destroy() {
        if (inIoas) {
            synchronized (ioas.mutex) {
                ioas.hwpts.remove(this);
            }
            ioas.iopt.removeDomain(this);
        }
        if (domain != null) {
            domain.close();
        }
        putFault();
        ioas.decUsers();
    }

    @Override
    IommuDomain hwDomain() {
        return domain;
    }

    @Override
    public long pgsizeBitmap() {
        return domain.pgsizeBitmap();
    }

    @Override
    public long apertureStart() {
        return domain.aperture().start();
    }

    @Override
    public long apertureEnd() {
        return domain.aperture().last();
    }

    @Override
    public void map(long iova, long hostAddress, long length, int prot) {
        domain.map(iova, hostAddress, length, prot);
    }

    @Override
    public void unmap(long iova, long length) {
        domain.unmap(iova, length);
    }
}
