package io.jvfio.emulator.iommu;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A page request group from a PRI-capable device ({@code struct iopf_group} as the IOMMU core hands
 * it to the domain's iopf handler): the pages a DMA found not present, in request order, the last
 * one carrying LAST_PAGE. The device waits for one {@link #respond response} to the whole group.
 */
public final class PageRequest {
    /** IOMMU_PAGE_RESP_*: what the PRG Response Message tells the device. */
    public enum Response {
        SUCCESS,
        INVALID,
        FAILURE
    }

    private final IommuDevice device;
    private final int grpid;
    private final List<Long> pages;
    private final Access access;
    private final CompletableFuture<Response> response = new CompletableFuture<>();

    PageRequest(IommuDevice device, int grpid, List<Long> pages, Access access) {
        this.device = device;
        this.grpid = grpid;
        this.pages = List.copyOf(pages);
        this.access = access;
    }

    public IommuDevice device() {
        return device;
    }

    /** The Page Request Group Index (9 bits). */
    public int grpid() {
        return grpid;
    }

    /** The page-aligned IOVAs requested. */
    public List<Long> pages() {
        return pages;
    }

    /** The access the DMA needs (the request's read/write permission). */
    public Access access() {
        return access;
    }

    /** iopf_group_response: the first response counts; later ones (e.g. after the device gave up) are dropped. */
    public void respond(Response code) {
        response.complete(code);
    }

    /** The device waits for the response; no response within {@code timeout} counts as FAILURE. */
    Response await(Duration timeout) {
        try {
            return response.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return Response.FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Response.FAILURE;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }
}
