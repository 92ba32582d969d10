package io.jvfio.api;

/** An inclusive IOVA range {@code [start, last]}, as iommufd reports and accepts them. */
public record IovaRange(long start, long last) {
    public IovaRange {
        if (Long.compareUnsigned(start, last) > 0) {
            throw new IllegalArgumentException("range start " + Sys.hex(start) + " > last " + Sys.hex(last));
        }
    }

    /** The range of {@code length} bytes from {@code start}. */
    public static IovaRange ofLength(long start, long length) {
        if (length == 0) {
            throw new IllegalArgumentException("empty range");
        }
        return new IovaRange(start, start + length - 1);
    }

    public boolean contains(long iova) {
        return Long.compareUnsigned(iova, start) >= 0 && Long.compareUnsigned(iova, last) <= 0;
    }

    @Override
    public String toString() {
        return "[" + Sys.hex(start) + ", " + Sys.hex(last) + "]";
    }
}
