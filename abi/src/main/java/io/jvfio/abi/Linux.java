package io.jvfio.abi;

/** Flag values of the generic system calls on the boundary (x86-64 Linux numbers). */
public final class Linux {
    private Linux() {}

    /** open(2) flags. */
    public static final class O {
        public static final int RDONLY = 0;
        public static final int WRONLY = 1;
        public static final int RDWR = 2;
        public static final int CREAT = 0100;
        public static final int EXCL = 0200;
        public static final int NOCTTY = 0400;
        public static final int TRUNC = 01000;
        public static final int APPEND = 02000;
        public static final int NONBLOCK = 04000;
        public static final int DIRECT = 040000;
        public static final int LARGEFILE = 0100000;
        public static final int DIRECTORY = 0200000;
        public static final int NOATIME = 01000000;
        public static final int CLOEXEC = 02000000;
        public static final int ACCMODE = 3;

        private O() {}
    }

    /** mmap(2) protections. */
    /** fcntl(2) commands. */
    public static final class F {
        public static final int GETFL = 3;
        public static final int SETFL = 4;

        private F() {}
    }

    public static final class Prot {
        public static final int NONE = 0;
        public static final int READ = 1;
        public static final int WRITE = 2;
        public static final int EXEC = 4;

        private Prot() {}
    }

    /** mmap(2) flags. */
    public static final class Map {
        public static final int SHARED = 0x01;
        public static final int PRIVATE = 0x02;
        public static final int FIXED = 0x10;
        public static final int ANONYMOUS = 0x20;
        public static final int NORESERVE = 0x4000;
        public static final int POPULATE = 0x8000;
        public static final int HUGETLB = 0x40000;
        /** MAP_HUGE_2MB: log2(2 MiB) in bits 26..31. */
        public static final int HUGE_2MB = 21 << 26;

        public static final int HUGE_1GB = 30 << 26;

        private Map() {}
    }

    /** poll(2) events. */
    public static final class Poll {
        public static final short IN = 0x001;
        public static final short PRI = 0x002;
        public static final short OUT = 0x004;
        public static final short ERR = 0x008;
        public static final short HUP = 0x010;
        public static final short NVAL = 0x020;
        /** The peer shut down its writing side (or closed): POLLRDHUP. */
        public static final short RDHUP = 0x2000;

        private Poll() {}
    }

    /** eventfd(2) flags. */
    public static final class Efd {
        public static final int SEMAPHORE = 1;
        public static final int NONBLOCK = 04000;
        public static final int CLOEXEC = 02000000;

        private Efd() {}
    }

    /** memfd_create(2) flags. */
    public static final class Mfd {
        public static final int CLOEXEC = 1;
        public static final int ALLOW_SEALING = 2;
        public static final int HUGETLB = 4;

        private Mfd() {}
    }

    /** The base page size of x86-64. */
    public static final long PAGE_SIZE = 4096;
}
