package io.jvfio.emulator.iommufd;

/**
 * An in-kernel user of an IOAS that pins IOVA ranges (iommufd_access: emulated mdev-style devices,
 * the selftest access, HW queues). Attached with {@link IoPagetable#addAccess}; it pins with
 * {@link IoPagetable#pinPages} and must unpin whatever it holds in [iova, iova+length) when told
 * to by {@link #notifyUnmap}, so that an unmap can proceed.
 */
interface IoptAccess {
    /** PAGE_SIZE for an access that pins pages, 1 otherwise; raises the IOAS alignment. */
    long iovaAlignment();

    /** The range is being unmapped: drop every pin inside it. */
    void notifyUnmap(long iova, long length);
}
