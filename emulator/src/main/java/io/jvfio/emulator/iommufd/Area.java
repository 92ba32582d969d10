package io.jvfio.emulator.iommufd;

/**
 * One mapping in an IOAS ({@code struct iopt_area}): the IOVA range [iova, last] backed by the
 * bytes of {@link #pages} from {@link #startByte}. {@code pages} is null while the area is being
 * created or torn down, which keeps its IOVA reserved but makes UNMAP see it as busy. Fields are
 * guarded by the owning io_pagetable's IOVA lock. Kept small: an IOAS may hold millions.
 */
final class Area {
    long iova;
    long last;
    Pages pages;
    /** Offset of the area's first byte inside its page set. */
    long startByte;

    int prot;
    /** The domain whose mapping of this area owns the pin (null while no domain is filled). */
    IoptDomain storageDomain;

    int numAccesses;
    int numLocks;
    boolean preventAccess;

    long length() {
        return last - iova + 1;
    }

    /** Offset inside the page set of the byte mapped at {@code at}. */
    long startByte(long at) {
        return startByte + (at - iova);
    }

    /** The first page index of the page set this area uses. */
    long firstPage() {
        return startByte / Pages.PAGE_SIZE;
    }

    long lastPage() {
        return (startByte + length() - 1) / Pages.PAGE_SIZE;
    }

    long pageOffset() {
        return startByte % Pages.PAGE_SIZE;
    }
}
