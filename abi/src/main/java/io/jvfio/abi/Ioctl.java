package io.jvfio.abi;

/**
 * The asm-generic ioctl request encoding: {@code dir << 30 | size << 16 | type << 8 | nr}. iommufd
 * and VFIO use the size-less {@code _IO} form, so their requests are just {@code type << 8 | nr};
 * KVM and others carry direction and size.
 */
public final class Ioctl {
    public static final int DIR_NONE = 0;
    public static final int DIR_WRITE = 1;
    public static final int DIR_READ = 2;

    /** The type byte shared by iommufd and VFIO: ';'. */
    public static final int TYPE_IOMMUFD_VFIO = ';';

    private Ioctl() {}

    public static long encode(int dir, int type, int nr, long size) {
        return ((long) dir << 30) | (size << 16) | ((long) type << 8) | nr;
    }

    public static long io(int type, int nr) {
        return encode(DIR_NONE, type, nr, 0);
    }

    public static long ior(int type, int nr, long size) {
        return encode(DIR_READ, type, nr, size);
    }

    public static long iow(int type, int nr, long size) {
        return encode(DIR_WRITE, type, nr, size);
    }

    public static long iowr(int type, int nr, long size) {
        return encode(DIR_READ | DIR_WRITE, type, nr, size);
    }

    public static int nr(long request) {
        return (int) (request & 0xff);
    }

    public static int type(long request) {
        return (int) ((request >>> 8) & 0xff);
    }

    public static long size(long request) {
        return (request >>> 16) & 0x3fff;
    }

    public static int dir(long request) {
        return (int) ((request >>> 30) & 0x3);
    }
}
