package io.jvfio.emulator.iommufd;

import static io.jvfio.emulator.iommufd.IoPagetable.PAGE_SIZE;

import io.jvfio.emulator.iommufd.IoPagetable.Slice;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The domain side of an IOAS's areas (pages.c's iopt_area_fill_domains, iopt_area_unfill_domains
 * and iopt_fill_domain with batch_to_domain): pinning an area's pages once, for its storage domain,
 * and mapping them into every domain of the {@link IoPagetable}, all or nothing, dma-buf areas
 * tracked instead of pinned. The caller holds the io_pagetable's domains lock (read to fill or
 * unfill an area, write to fill a new domain), so the domain list does not change underneath.
 */
final class AreaFill {
    private final List<IoptDomain> domains;
    /** IOMMU_OPTION_HUGE_PAGES = 0: map a page at a time. */
    private final BooleanSupplier smallPages;

    AreaFill(List<IoptDomain> domains, BooleanSupplier smallPages) {
        this.domains = domains;
        this.smallPages = smallPages;
    }

    void fillAreas(List<Slice> slices) {
        int done = 0;
        try {
            for (Slice s : slices) {
                fillArea(s.area, s.pages);
                done++;
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < done; i++) {
                unfillArea(slices.get(i).area, slices.get(i).pages);
            }
            throw e;
        }
    }

    /**
     * batch_to_domain: the area's pinned pages into one domain, all or nothing. With large pages
     * disabled (IOMMU_OPTION_HUGE_PAGES = 0, VFIO type1 compatibility) one PAGE_SIZE at a time, as
     * batch_iommu_map_small does, so the domain holds only small leaves and any page can later be
     * unmapped alone; otherwise in one call, which uses the largest leaves alignment allows.
     */
    private void mapArea(IoptDomain domain, Area area, Pages pages) {
        long host = pages.hostAddress(area.startByte);
        if (!smallPages.getAsBoolean()) {
            domain.map(area.iova, host, area.length(), area.prot);
            return;
        }
        long done = 0;
        try {
            for (; done < area.length(); done += PAGE_SIZE) {
                domain.map(area.iova + done, host + done, PAGE_SIZE, area.prot);
            }
        } catch (RuntimeException e) {
            if (done > 0) {
                domain.unmap(area.iova, done);
            }
            throw e;
        }
    }

    /** iopt_area_fill_domains: pins the area's pages once and maps them into every domain. */
    void fillArea(Area area, Pages pages) {
        if (domains.isEmpty()) {
            return;
        }
        if (pages.isDmabuf()) {
            fillDmabufAreaDomains(area, pages);
            return;
        }
        pages.pin(area.firstPage(), area.lastPage());
        try {
            mapAllDomains(area, pages);
        } catch (RuntimeException e) {
            pages.unpin(area.firstPage(), area.lastPage());
            throw e;
        }
        area.storageDomain = domains.getFirst();
    }

    /** Maps the area into every domain; on failure the domains mapped so far are unmapped again. */
    private void mapAllDomains(Area area, Pages pages) {
        int mapped = 0;
        try {
            for (IoptDomain d : domains) {
                mapArea(d, area, pages);
                mapped++;
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < mapped; i++) {
                domains.get(i).unmap(area.iova, area.length());
            }
            throw e;
        }
    }

    /**
     * iopt_area_fill_domains for a dma-buf: the area is tracked in every domain (so a revoke finds
     * it) and mapped unless already revoked; nothing is pinned. A revoked area still gets its
     * storage domain: it stays a normal area of the IOAS.
     */
    private void fillDmabufAreaDomains(Area area, Pages pages) {
        synchronized (pages) {
            pages.dmabuf().trackAll(area, domains);
            if (!pages.dmabuf().revoked()) {
                try {
                    mapAllDomains(area, pages);
                } catch (RuntimeException e) {
                    pages.dmabuf().untrackAll(area);
                    throw e;
                }
            }
            area.storageDomain = domains.getFirst();
        }
    }

    /** iopt_area_unfill_domains: unmaps the area from every domain and drops its pin. */
    void unfillArea(Area area, Pages pages) {
        if (area.storageDomain == null) {
            return;
        }
        if (pages.isDmabuf()) {
            synchronized (pages) {
                // A revoke already unmapped it everywhere.
                if (!pages.dmabuf().revoked()) {
                    for (IoptDomain d : domains) {
                        d.unmap(area.iova, area.length());
                    }
                }
                pages.dmabuf().untrackAll(area);
                area.storageDomain = null;
            }
            return;
        }
        for (IoptDomain d : domains) {
            d.unmap(area.iova, area.length());
        }
        pages.unpin(area.firstPage(), area.lastPage());
        area.storageDomain = null;
    }

    void fillDomain(Collection<Area> areas, IoptDomain domain) {
        List<Area> filled = new ArrayList<>();
        try {
            for (Area area : areas) {
                Pages pages = area.pages;
                if (pages == null) {
                    continue;
                }
                if (pages.isDmabuf()) {
                    fillDmabufDomain(area, pages, domain);
                    filled.add(area);
                    continue;
                }
                boolean first = area.storageDomain == null;
                if (first) {
                    pages.pin(area.firstPage(), area.lastPage());
                }
                try {
                    mapArea(domain, area, pages);
                } catch (RuntimeException e) {
                    if (first) {
                        pages.unpin(area.firstPage(), area.lastPage());
                    }
                    throw e;
                }
                if (first) {
                    area.storageDomain = domain;
                }
                filled.add(area);
            }
        } catch (RuntimeException e) {
            for (Area area : filled) {
                if (area.pages.isDmabuf()) {
                    unmapDmabufDomain(area, area.pages, domain);
                } else {
                    domain.unmap(area.iova, area.length());
                }
                if (area.storageDomain == domain) {
                    area.storageDomain = null;
                    if (!area.pages.isDmabuf()) {
                        area.pages.unpin(area.firstPage(), area.lastPage());
                    }
                }
            }
            throw e;
        }
    }

    /** iopt_fill_domain's step for a dma-buf area: track it in the new domain, map it unless revoked. */
    private static void fillDmabufDomain(Area area, Pages pages, IoptDomain domain) {
        synchronized (pages) {
            pages.dmabuf().track(area, domain);
            if (!pages.dmabuf().revoked()) {
                try {
                    domain.map(area.iova, pages.hostAddress(area.startByte), area.length(), area.prot);
                } catch (RuntimeException e) {
                    pages.dmabuf().untrack(area, domain);
                    throw e;
                }
            }
            if (area.storageDomain == null) {
                area.storageDomain = domain;
            }
        }
    }

    /** Takes a dma-buf area out of one domain: unmapped unless a revoke did it already, untracked. */
    static void unmapDmabufDomain(Area area, Pages pages, IoptDomain domain) {
        synchronized (pages) {
            if (!pages.dmabuf().revoked()) {
                domain.unmap(area.iova, area.length());
            }
            pages.dmabuf().untrack(area, domain);
        }
    }
}
