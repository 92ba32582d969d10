package io.jvfio.api.driver;

/** What Identify Controller (CNS 1) and Identify Namespace (CNS 0) told the driver. */
public record NvmeIdentity(
        int vendorId,
        String serial,
        String model,
        String firmware,
        /** Maximum transfer size in bytes (from MDTS; 0 = no limit). */
        long maxTransferBytes,
        int namespaces,
        /** Namespace 1's size in logical blocks (NSZE). */
        long blocks,
        /** Namespace 1's logical block size in bytes (2^LBADS of the format in use). */
        int blockSize) {
    public long capacityBytes() {
        return blocks * blockSize;
    }
}
