package io.jvfio.kernel;

/**
 * What fstat(2) says of an open file that tells one kind of file from another: {@code st_mode}
 * (file type and permissions), {@code st_rdev} (the device number of a device node, encoded as
 * glibc's makedev) and {@code st_size}.
 */
public record FileStat(int mode, long rdev, long size) {
    public static final int S_IFMT = 0170000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFIFO = 0010000;

    /** The file type bits of {@code mode} (0 for an anonymous inode). */
    public int type() {
        return mode & S_IFMT;
    }

    /** The device number's major (MAJOR of glibc's and the kernel's huge encoding). */
    public int major() {
        return (int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfff));
    }

    /** The device number's minor. */
    public int minor() {
        return (int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xff));
    }

    /** makedev(3): the encoded device number of {@code major:minor}. */
    public static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xff);
    }
}
