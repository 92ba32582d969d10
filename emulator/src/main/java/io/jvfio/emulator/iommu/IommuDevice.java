package io.jvfio.emulator.iommu;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.iommufd.IommuHwptVtdS1;
import io.jvfio.abi.selftest.IommufdTestConst;
import io.jvfio.emulator.pci.DmaFaultException;
import io.jvfio.emulator.pci.DmaPort;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A device as the IOMMU core knows it ({@code struct device} with its {@code dev_iommu}): its
 * driver, IOMMU unit, group, DMA port and capabilities. iommufd binds these; a PCI function does
 * its DMA through {@link #dmaPort()}.
 *
 * @see PciIommu for the devices of a PCI platform
 */
public final class IommuDevice {
    /** How long a device waits for a page response by default. */
    public static final Duration DEFAULT_PAGE_REQUEST_TIMEOUT = Duration.ofSeconds(1);
    /** The PCIe Page Request Group Index is 9 bits. */
    private static final int PRG_INDEX_MASK = 0x1ff;

    private final String name;
    private final IommuDriver driver;
    private final Iommu iommu;
    private final Group group;
    private final DeviceDma dma;
    private final boolean dirtyTracking;
    private final int maxPasids;
    private final DmaPort port;
    private volatile boolean priEnabled;
    private volatile Duration pageRequestTimeout = DEFAULT_PAGE_REQUEST_TIMEOUT;
    private final AtomicInteger nextGrpid = new AtomicInteger();
    /** mock_dev.pasid_1024_fake_error; guarded by the group's lock (set_dev_pasid runs under it). */
    private boolean pasid1024FakeError;

    /**
     * A device behind {@code iommu}, joining {@code group}, issuing DMA as requester {@code
     * requesterId}. {@code dirtyTracking}: IOMMU_CAP_DIRTY_TRACKING; {@code maxPasids}: the PASID
     * count (0 without PASID support).
     */
    public IommuDevice(
            String name,
            IommuDriver driver,
            Iommu iommu,
            Group group,
            int requesterId,
            boolean dirtyTracking,
            int maxPasids) {
        this.name = Objects.requireNonNull(name);
        this.driver = Objects.requireNonNull(driver);
        this.iommu = Objects.requireNonNull(iommu);
        this.group = Objects.requireNonNull(group);
        this.dma = iommu.addDevice(requesterId);
        this.dirtyTracking = dirtyTracking;
        this.maxPasids = maxPasids;
        this.port = new Port(dma);
        group.add(this);
    }

    public String name() {
        return name;
    }

    public IommuDriver driver() {
        return driver;
    }

    public Iommu iommu() {
        return iommu;
    }

    public Group group() {
        return group;
    }

    /** The hardware port: the attached domain, and DMA that throws {@link IommuFaultException}. */
    public DeviceDma dma() {
        return dma;
    }

    /** The port to give {@code PciFunction.attach}: DMA through the group's domain, faults as {@link DmaFaultException}. */
    public DmaPort dmaPort() {
        return port;
    }

    /** IOMMU_CAP_DIRTY_TRACKING. */
    public boolean dirtyTracking() {
        return dirtyTracking;
    }

    /** dev->iommu->max_pasids. */
    public int maxPasids() {
        return maxPasids;
    }

    /** iommu_get_resv_regions. */
    public List<ReservedRegion> reservedRegions() {
        return iommu.reservedRegions();
    }

    /**
     * The driver's attach_dev checks: EINVAL for another driver's domain or dirty ops without the
     * capability; for VT-d, EINVAL for a domain the unit cannot use (paging_domain_compatible: a
     * nest parent without NEST, no second stage), ENODEV for a domain with an iopf handler unless
     * PRI is enabled (intel_iommu_enable_iopf), and for a nested domain the checks of its parent
     * and then intel_pasid_setup_nested's (EINVAL: address width, SRE, EAFE the unit lacks).
     */
    void checkAttach(Domain domain) {
        IommuDomain paging = domain instanceof NestedDomain n ? n.parent() : (IommuDomain) domain;
        if (!driver.owns(paging.format()) || (paging.hasDirtyOps() && !dirtyTracking)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (driver != IommuDriver.INTEL_VTD) {
            return;
        }
        VtdCapabilities caps = iommu.vtdCapabilities();
        if ((paging.nestParent() && !caps.nestedSupported()) || (caps.smSupported() && !caps.secondStage())) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (domain.iopfHandler() != null && !priEnabled()) {
            throw new ErrnoException(Errno.ENODEV);
        }
        if (domain instanceof NestedDomain n) {
            checkStage1(n.stage1(), caps);
        }
    }

    /** intel_pasid_setup_nested's checks of the first-stage configuration against the unit. */
    private static void checkStage1(VtdStage1 s1, VtdCapabilities caps) {
        boolean width = s1.addrWidth() == VtdStage1.ADDR_WIDTH_4LEVEL
                || (s1.addrWidth() == VtdStage1.ADDR_WIDTH_5LEVEL && caps.firstStage5Level());
        if (!width
                || ((s1.flags() & IommuHwptVtdS1.SRE) != 0 && !caps.supervisorRequests())
                || ((s1.flags() & IommuHwptVtdS1.EAFE) != 0 && !caps.extendedAccessedFlag())) {
            throw new ErrnoException(Errno.EINVAL);
        }
    }

    /**
     * Enables ATS and PRI, as intel-iommu does at probe for a PCI function with both capabilities:
     * a DMA to a page not present in the attached domain then becomes a page request instead of a
     * fault, and waits for the response (see {@link #setPageRequestTimeout}).
     */
    public void enablePri() {
        priEnabled = true;
        dma.setPageRequester(this::reportPageRequest);
    }

    /** info->pri_enabled. */
    public boolean priEnabled() {
        return priEnabled;
    }

    /**
     * How long the device waits for a page response before treating the request as failed (a
     * device's completion timeout; {@link #DEFAULT_PAGE_REQUEST_TIMEOUT} unless set). The wait
     * is what keeps a DMA started from a user's MMIO write from blocking that thread forever when
     * the same thread would have to answer the request.
     */
    public void setPageRequestTimeout(Duration timeout) {
        this.pageRequestTimeout = Objects.requireNonNull(timeout);
    }

    /**
     * iommu_report_device_fault for a page request group of the RID: the iopf handler of the
     * group's domain gets it and the device waits for the response; without a handler the request
     * is answered INVALID at once (iopf_error_response).
     */
    private PageRequest.Response reportPageRequest(List<Long> pages, Access access) {
        PageRequest request = new PageRequest(this, nextGrpid.getAndIncrement() & PRG_INDEX_MASK, pages, access);
        Consumer<PageRequest> handler = group.domain().map(Domain::iopfHandler).orElse(null);
        if (handler == null) {
            return PageRequest.Response.INVALID;
        }
        handler.accept(request);
        return request.await(pageRequestTimeout);
    }

    /**
     * The driver's set_dev_pasid ({@code null}: the blocking domain's). The mock driver's fails
     * every second non-blocking call for PASID 1024 with ENOMEM, once armed by the first, and
     * blocking disarms it (mock_domain_set_dev_pasid_nop: the kernel's selftests use it to check the
     * core rolls back a failed PASID replace).
     */
    void setDevPasid(int pasid, Domain domain) {
        if (driver != IommuDriver.MOCK || pasid != IommufdTestConst.IOMMU_TEST_PASID_RESERVED) {
            return;
        }
        if (domain == null || pasid1024FakeError) {
            boolean fail = domain != null;
            pasid1024FakeError = false;
            if (fail) {
                throw new ErrnoException(Errno.ENOMEM);
            }
        } else {
            pasid1024FakeError = true;
        }
    }

    @Override
    public String toString() {
        return "IommuDevice[" + name + "]";
    }

    private record Port(DeviceDma dma) implements DmaPort {
        @Override
        public void read(long iova, MemorySegment dst) throws DmaFaultException {
            try {
                dma.dmaRead(iova, dst);
            } catch (IommuFaultException e) {
                throw new DmaFaultException(
                        e.fault().iova(), false, e.fault().reason().toString());
            }
        }

        @Override
        public void write(long iova, MemorySegment src) throws DmaFaultException {
            try {
                dma.dmaWrite(iova, src);
            } catch (IommuFaultException e) {
                throw new DmaFaultException(
                        e.fault().iova(), true, e.fault().reason().toString());
            }
        }
    }
}
