package io.jvfio.emulator.iommu;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;

/**
 * A device's port behind an {@link Iommu}: where the iommufd side attaches it to a domain and
 * where the emulated device does its DMA. Thread-safe; any number of DMAs may run at once.
 *
 * <p>A DMA is all or nothing: the whole IOVA range is translated and checked first, and only then
 * is memory touched. A faulting DMA reads and writes nothing (not even a dirty bit), is logged by
 * the IOMMU, handed to its fault sink, and thrown to the device as {@link IommuFaultException}.
 * Checking first costs a second IOTLB lookup per page on DMAs that span pages (none on the common
 * single-page or single-large-page DMA); in exchange a device never leaves half a buffer written,
 * which keeps emulated devices' error paths simple. Real hardware would have written the pages
 * before the faulting one; no iommufd or VFIO behaviour depends on that.
 */
public final class DeviceDma {
    private final Iommu iommu;
    private final int deviceId;
    private volatile PagingDomain domain;

    DeviceDma(Iommu iommu, int deviceId) {
        this.iommu = iommu;
        this.deviceId = deviceId;
    }

    public int deviceId() {
        return deviceId;
    }

    public Iommu iommu() {
        return iommu;
    }

    /** The attached domain; empty when blocked. */
    public Optional<IommuDomain> domain() {
        return Optional.ofNullable(domain);
    }

    /**
     * Attaches to {@code target}, replacing any current domain atomically: DMA translates through
     * either the old or the new domain, never neither; when this returns, no DMA uses the old one.
     */
    public synchronized void attach(IommuDomain target) {
        PagingDomain next = (PagingDomain) Objects.requireNonNull(target);
        PagingDomain previous = domain;
        if (next == previous) {
            return;
        }
        next.attach(iommu.iotlb);
        domain = next;
        if (previous != null) {
            previous.detach(iommu.iotlb);
        }
    }

    /** Detaches to the blocking domain; when this returns, no DMA of this device is in flight. */
    public synchronized void detach() {
        PagingDomain previous = domain;
        if (previous != null) {
            domain = null;
            previous.detach(iommu.iotlb);
        }
    }

    /** Device reads memory: copies [iova, iova + dst.byteSize()) into dst. */
    public void dmaRead(long iova, MemorySegment dst) {
        transfer(iova, dst.byteSize(), Access.READ, dst, null);
    }

    /** Device writes memory: copies src to [iova, iova + src.byteSize()). */
    public void dmaWrite(long iova, MemorySegment src) {
        transfer(iova, src.byteSize(), Access.WRITE, src, null);
    }

    /**
     * Translates [iova, iova+length) for {@code access} and hands the host memory behind it to
     * {@code consumer} piece by piece (each physically contiguous, split where pages end).
     */
    public void dma(long iova, long length, Access access, DmaChunkConsumer consumer) {
        transfer(iova, length, access, null, Objects.requireNonNull(consumer));
    }

    private void transfer(long iova, long length, Access access, MemorySegment buffer, DmaChunkConsumer consumer) {
        if (length < 0) {
            throw new IllegalArgumentException("negative DMA length " + length);
        }
        if (length == 0) {
            return;
        }
        IommuFault fault;
        while (true) {
            PagingDomain d = domain;
            if (d == null) {
                fault = new IommuFault(deviceId, 0, iova, access, FaultReason.BLOCKED);
                break;
            }
            long stamp = d.dmaLock.readLock();
            try {
                // Replaced while we waited: the old domain may already be drained; use the new one.
                if (domain != d) {
                    continue;
                }
                fault = run(d, iova, length, access, buffer, consumer);
            } finally {
                d.dmaLock.unlockRead(stamp);
            }
            break;
        }
        if (fault != null) {
            throw iommu.fault(fault);
        }
    }

    /** Under the domain's DMA read lock: check everything, then move the data. */
    private IommuFault run(
            PagingDomain d, long iova, long length, Access access, MemorySegment buffer, DmaChunkConsumer consumer) {
        Aperture aperture = d.aperture();
        if (!aperture.contains(iova, length)) {
            boolean startsInside = Long.compareUnsigned(iova, aperture.start()) >= 0
                    && Long.compareUnsigned(iova, aperture.last()) <= 0;
            long at = startsInside ? aperture.last() + 1 : iova;
            return new IommuFault(deviceId, d.id, at, access, FaultReason.OUT_OF_APERTURE);
        }
        Iotlb iotlb = iommu.iotlb;
        long end = iova + length;
        IotlbEntry first = null;
        for (long at = iova; at < end; ) {
            IotlbEntry e = iotlb.translate(d, at);
            if (e == null) {
                return new IommuFault(deviceId, d.id, at, access, FaultReason.NOT_PRESENT);
            }
            if ((e.prot & access.prot()) == 0) {
                return new IommuFault(deviceId, d.id, at, access, FaultReason.PERMISSION);
            }
            if (first == null) {
                first = e;
            }
            at = e.iova + e.size;
        }
        // Nothing can change the translations while we hold the read lock; they are cached now.
        boolean markDirty = access == Access.WRITE && d.tracking();
        IotlbEntry e = first;
        for (long at = iova; at < end; ) {
            if (!e.covers(at)) {
                e = iotlb.translate(d, at);
            }
            long n = Math.min(end, e.iova + e.size) - at;
            long pa = e.address + (at - e.iova);
            long offset = at - iova;
            if (markDirty && !e.dirty) {
                HostMemory.setPteBits(e.pteAddress, d.format.dirtyBit());
                e.dirty = true;
            }
            if (consumer != null) {
                consumer.accept(HostMemory.ALL.asSlice(pa, n), offset);
            } else if (access == Access.READ) {
                MemorySegment.copy(HostMemory.ALL, pa, buffer, offset, n);
            } else {
                MemorySegment.copy(buffer, offset, HostMemory.ALL, pa, n);
            }
            at += n;
        }
        return null;
    }
}
