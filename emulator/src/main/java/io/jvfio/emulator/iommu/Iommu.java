package io.jvfio.emulator.iommu;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;

/**
 * One emulated IOMMU unit: the devices behind it, its IOTLB, and its fault log. Domains are not
 * tied to an IOMMU; a device attaches to any domain (iommufd checks compatibility).
 */
public final class Iommu {
    /** Fault records kept in the log; older ones are dropped (the count still says how many). */
    public static final int FAULT_LOG_CAPACITY = 256;

    private final String name;
    private final List<ReservedRegion> reservedRegions;
    private final VtdCapabilities vtdCapabilities;
    final Iotlb iotlb = new Iotlb();
    private final ArrayDeque<IommuFault> faultLog = new ArrayDeque<>();
    private long faultCount;
    private volatile FaultSink sink = fault -> {};

    private Iommu(String name, List<ReservedRegion> reservedRegions, VtdCapabilities vtdCapabilities) {
        this.name = Objects.requireNonNull(name);
        this.reservedRegions = List.copyOf(reservedRegions);
        this.vtdCapabilities = vtdCapabilities;
    }

    /**
     * An IOMMU whose devices have these reserved regions (VT-d: {@link ReservedRegion#X86_MSI};
     * the selftest mock: none). As a VT-d unit it has the {@link VtdCapabilities#EMULATED} registers.
     */
    public static Iommu create(String name, List<ReservedRegion> reservedRegions) {
        return create(name, reservedRegions, VtdCapabilities.EMULATED);
    }

    /** As {@link #create(String, List)}, a VT-d unit with these capability registers. */
    public static Iommu create(String name, List<ReservedRegion> reservedRegions, VtdCapabilities capabilities) {
        return new Iommu(name, reservedRegions, Objects.requireNonNull(capabilities));
    }

    /**
     * The capability registers the VT-d driver reads for devices behind this unit (GET_HW_INFO,
     * its allocation and attach checks); other drivers ignore them.
     */
    public VtdCapabilities vtdCapabilities() {
        return vtdCapabilities;
    }

    public String name() {
        return name;
    }

    /** The IOVA each device behind this IOMMU must keep unmapped (iommu_get_resv_regions). */
    public List<ReservedRegion> reservedRegions() {
        return reservedRegions;
    }

    /** A device behind this IOMMU, attached to nothing: its DMA is blocked until it attaches. */
    public DeviceDma addDevice(int deviceId) {
        return new DeviceDma(this, deviceId);
    }

    /** Where faults go besides the log (the iommufd fault queue). */
    public void setFaultSink(FaultSink sink) {
        this.sink = Objects.requireNonNull(sink);
    }

    /** The most recent faults, oldest first, at most {@link #FAULT_LOG_CAPACITY}. */
    public synchronized List<IommuFault> faultLog() {
        return List.copyOf(faultLog);
    }

    /** Faults since this IOMMU was created. */
    public synchronized long faultCount() {
        return faultCount;
    }

    /** Logs the fault, hands it to the sink, and returns the exception the device gets. */
    IommuFaultException fault(IommuFault fault) {
        synchronized (this) {
            if (faultLog.size() == FAULT_LOG_CAPACITY) {
                faultLog.removeFirst();
            }
            faultLog.addLast(fault);
            faultCount++;
        }
        sink.fault(fault);
        return new IommuFaultException(fault);
    }

    @Override
    public String toString() {
        return "Iommu[" + name + "]";
    }
}
