package io.jvfio.api;

/**
 * One mapping in an IOAS: {@code length} bytes at {@code iova}, backed by user memory at {@code
 * userVa} (0 for a mapping made by {@link Ioas#copy}, which shares another mapping's pages).
 */
public record Mapping(int ioasId, long iova, long length, long userVa, DmaAccess access) {
    /** The IOVA just past the mapping. */
    public long end() {
        return iova + length;
    }

    /** The IOVA of byte {@code offset} of the mapping. */
    public long iova(long offset) {
        if (offset < 0 || offset >= length) {
            throw new IndexOutOfBoundsException("offset " + offset + " outside a mapping of " + length + " bytes");
        }
        return iova + offset;
    }
}
