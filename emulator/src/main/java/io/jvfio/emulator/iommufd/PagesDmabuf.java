package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.FaultInjection;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.dmabuf.DmaBuf;
import io.jvfio.emulator.dmabuf.DmaBufAttachment;
import io.jvfio.emulator.dmabuf.DmaBufImporter;
import io.jvfio.emulator.dmabuf.PhysVec;
import java.util.ArrayList;
import java.util.List;

/**
 * The dma-buf part of a page set ({@code struct iopt_pages_dmabuf}): iommufd's attachment to the
 * buffer, the physical range the exporter handed over (length 0 once revoked: a revoke is final for
 * this page set), and which (area, domain) pairs map it, so a revoke can unmap them without the
 * io_pagetable's locks. Everything here is guarded by the owning {@link Pages}' monitor, which is
 * taken inside the buffer's reservation lock.
 */
final class PagesDmabuf implements DmaBufImporter {
    /** One domain an area of this page set is mapped into ({@code struct iopt_pages_dmabuf_track}). */
    private record Track(Area area, IoptDomain domain) {}

    private final Pages pages;
    private final FaultInjection faults;
    private final List<Track> tracker = new ArrayList<>();
    private DmaBufAttachment attachment;
    private PhysVec phys = PhysVec.REVOKED;

    PagesDmabuf(Pages pages, FaultInjection faults) {
        this.pages = pages;
        this.faults = faults;
    }

    /**
     * iopt_map_dmabuf: attaches as a revocable, peer-to-peer importer and asks the exporter for the
     * buffer's range (EOPNOTSUPP for an exporter iommufd cannot use, ENODEV while revoked). On
     * failure the attachment is gone again.
     */
    void map(KernelServices kernel, DmaBuf dmabuf) {
        DmaBufAttachment a = dmabuf.dynamicAttach(kernel, this);
        dmabuf.resv().lock();
        try {
            PhysVec p = dmabuf.exporter().iommufdMap(a);
            synchronized (pages) {
                phys = p;
                attachment = a;
            }
        } catch (RuntimeException e) {
            dmabuf.resv().unlock();
            dmabuf.detach(a);
            throw e;
        }
        dmabuf.resv().unlock();
    }

    /** iopt_release_pages for a dma-buf: detach and drop the buffer reference MAP_FILE took. */
    void release() {
        DmaBufAttachment a;
        synchronized (pages) {
            if (!tracker.isEmpty()) {
                throw new IllegalStateException("dma-buf page set released while mapped");
            }
            a = attachment;
            attachment = null;
        }
        if (a != null) {
            a.dmabuf().detach(a);
            a.dmabuf().put();
        }
    }

    /** iopt_dmabuf_revoked (the caller holds the pages monitor). */
    boolean revoked() {
        return phys.len() == 0;
    }

    /** The physical address of byte {@code offset} of the buffer (not revoked; pages monitor held). */
    long hostAddress(long offset) {
        return phys.paddr() + offset;
    }

    /** iopt_dmabuf_track_domain (pages monitor held): ENOMEM is the only failure. */
    void track(Area area, IoptDomain domain) {
        for (Track t : tracker) {
            if (t.area == area && t.domain == domain) {
                throw new ErrnoException(Errno.EINVAL, null, "area tracked twice for a domain");
            }
        }
        faults.point("iopt_dmabuf_track_domain");
        tracker.add(new Track(area, domain));
    }

    /** iopt_dmabuf_untrack_domain (pages monitor held). */
    void untrack(Area area, IoptDomain domain) {
        if (!tracker.removeIf(t -> t.area == area && t.domain == domain)) {
            throw new IllegalStateException("untracking an untracked area");
        }
    }

    /** iopt_dmabuf_track_all_domains (pages monitor held): all or nothing. */
    void trackAll(Area area, List<IoptDomain> domains) {
        try {
            for (IoptDomain d : domains) {
                track(area, d);
            }
        } catch (RuntimeException e) {
            untrackAll(area);
            throw e;
        }
    }

    /** iopt_dmabuf_untrack_all_domains (pages monitor held). */
    void untrackAll(Area area) {
        tracker.removeIf(t -> t.area == area);
    }

    /** Domains tracked, for leak checks in tests. */
    int trackCount() {
        synchronized (pages) {
            return tracker.size();
        }
    }

    @Override
    public boolean allowPeer2peer() {
        return true;
    }

    /**
     * iopt_revoke_notify: unmaps every tracked (area, domain) and forgets the range; the areas stay
     * in their IOAS. Any invalidation revokes, also the exporter's "un-revoke": this page set never
     * maps the buffer again (a new MAP_FILE does).
     */
    @Override
    public void invalidateMappings(DmaBufAttachment a) {
        synchronized (pages) {
            if (revoked()) {
                return;
            }
            for (Track t : tracker) {
                t.domain.unmap(t.area.iova, t.area.length());
            }
            phys = PhysVec.REVOKED;
        }
    }
}
