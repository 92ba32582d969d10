package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.fs.FsIoctl;
import io.jvfio.abi.fs.ProcmapQuery;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The VMAs of a host process as the host kernel reports them through /proc/PID/maps: what the
 * emulated GUP checks a pin against, since user memory is that process's memory (this JVM's, or a
 * client's served by {@code jvfio run}). A lookup is one PROCMAP_QUERY ioctl on a maps fd kept
 * open (Linux 6.11 and later); on older hosts, which answer it with ENOTTY, the file's text is
 * parsed instead.
 */
public final class ProcMaps implements AutoCloseable {
    /** This JVM's own VMAs, with the maps fd kept for the JVM's life. */
    static final ProcMaps SELF = new ProcMaps("/proc/self/maps");

    /** Test switch: false makes every walk parse the text, as on a host without PROCMAP_QUERY. */
    static volatile boolean useQuery = true;

    private final String maps;
    private volatile int queryFd = -2;

    private ProcMaps(String maps) {
        this.maps = maps;
    }

    /** The VMAs of host process {@code pid}; {@link #close} releases the maps fd. */
    public static ProcMaps of(int pid) {
        return new ProcMaps("/proc/" + pid + "/maps");
    }

    /**
     * A VMA: {@code [start, end)}, the permissions GUP looks at, and what backs it: for a shared
     * mapping the file ({@code dev} as major &lt;&lt; 32 | minor, {@code inode}) at page offset {@code
     * offset} of {@code start}.
     */
    record Vma(
            long start,
            long end,
            boolean readable,
            boolean writable,
            boolean shared,
            long offset,
            long dev,
            long inode) {}

    /** One pass over the VMAs at rising addresses. */
    interface Walk extends AutoCloseable {
        /**
         * The VMA that covers {@code address}, or null when it lies in a gap. Within one walk the
         * addresses asked for must not decrease.
         */
        Vma covering(long address);

        @Override
        void close();
    }

    /** A walk by PROCMAP_QUERY when the host has it, else by the text of the file. */
    Walk walk() {
        return useQuery && hostHasQuery() ? new QueryWalk(queryFd, maps) : new TextWalk(maps);
    }

    /**
     * Where this process maps byte {@code offset} of file ({@code dev}, {@code inode}) shared
     * (rmap's question, asked of one process), or -1 if it does not: {@code hint}, when the VMA
     * there still is such a mapping (one lookup), else the first one in the file's text.
     */
    public long sharedAddressOf(long dev, long inode, long offset, long hint) {
        if (hint >= 0) {
            try (Walk walk = walk()) {
                Vma v = walk.covering(hint);
                if (v != null && mapsShared(v, dev, inode, offset) && v.start() + offset - v.offset() == hint) {
                    return hint;
                }
            }
        }
        try (TextWalk text = new TextWalk(maps)) {
            return text.sharedAddressOf(dev, inode, offset);
        }
    }

    private static boolean mapsShared(Vma v, long dev, long inode, long offset) {
        return v.shared()
                && v.inode() == inode
                && v.dev() == dev
                && Long.compareUnsigned(offset - v.offset(), v.end() - v.start()) < 0;
    }

    /** Whether the host answers PROCMAP_QUERY (Linux 6.11 and later). */
    boolean hostHasQuery() {
        if (queryFd == -2) {
            synchronized (this) {
                if (queryFd == -2) {
                    queryFd = openQueryable(maps);
                }
            }
        }
        return queryFd >= 0;
    }

    @Override
    public synchronized void close() {
        if (queryFd >= 0) {
            NativeKernel.instance().close(queryFd);
        }
        queryFd = -1;
    }

    /** The maps fd for PROCMAP_QUERY; -1 when the host cannot answer it. */
    private static int openQueryable(String maps) {
        NativeKernel host = NativeKernel.instance();
        int fd;
        try {
            fd = host.open(maps, Linux.O.RDONLY | Linux.O.CLOEXEC);
        } catch (ErrnoException e) {
            return -1;
        }
        // Probe once: a host that knows the request answers a lookup at 0 with a VMA or ENOENT;
        // before 6.11 procfs has no ioctl here (ENOTTY; some filesystems say EINVAL).
        try (QueryWalk probe = new QueryWalk(fd, maps)) {
            probe.covering(0);
            return fd;
        } catch (ErrnoException e) {
            host.close(fd);
            return -1;
        }
    }

    private static final class QueryWalk implements Walk {
        private final int fd;
        private final String maps;
        /**
         * One query struct per thread, kept: a walk runs once per pin call, and allocating and
         * freeing native memory for each cost a fifth of the ioctl. A lookup sets its address and
         * reads the answer before it returns, so walks of one thread may share it.
         */
        private static final ThreadLocal<MemorySegment> QUERY =
                ThreadLocal.withInitial(() -> ProcmapQuery.DEF.allocate(Arena.ofAuto()));

        private final MemorySegment query = QUERY.get();

        QueryWalk(int fd, String maps) {
            this.fd = fd;
            this.maps = maps;
            // No flags: the covering VMA whatever its permissions; no name or build ID wanted.
            ProcmapQuery.SIZE.set(query, ProcmapQuery.DEF.size());
        }

        @Override
        public Vma covering(long address) {
            ProcmapQuery.QUERY_ADDR.set(query, address);
            try {
                NativeKernel.instance().ioctlNonBlocking(fd, FsIoctl.PROCMAP_QUERY, query);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    return null;
                }
                throw new ErrnoException(Errno.EFAULT, null, "cannot query " + maps + ": " + e.getMessage());
            }
            long flags = ProcmapQuery.VMA_FLAGS.get(query);
            return new Vma(
                    ProcmapQuery.VMA_START.get(query),
                    ProcmapQuery.VMA_END.get(query),
                    (flags & ProcmapQuery.VMA_READABLE) != 0,
                    (flags & ProcmapQuery.VMA_WRITABLE) != 0,
                    (flags & ProcmapQuery.VMA_SHARED) != 0,
                    ProcmapQuery.VMA_OFFSET.get(query),
                    (Integer.toUnsignedLong(ProcmapQuery.DEV_MAJOR.get(query)) << 32)
                            | Integer.toUnsignedLong(ProcmapQuery.DEV_MINOR.get(query)),
                    ProcmapQuery.INODE.get(query));
        }

        @Override
        public void close() {}
    }

    /** The text of the file, read once per walk: one line per VMA, in address order. */
    private static final class TextWalk implements Walk {
        private final BufferedReader maps;
        private final String path;
        /** The last VMA read, when it lay above the address asked for (a gap). */
        private Vma ahead;

        TextWalk(String path) {
            this.path = path;
            try {
                maps = Files.newBufferedReader(Path.of(path));
            } catch (IOException e) {
                throw cannotRead(e);
            }
        }

        @Override
        public Vma covering(long address) {
            try {
                for (Vma vma = ahead != null ? ahead : next(); vma != null; vma = next()) {
                    if (Long.compareUnsigned(vma.end(), address) <= 0) {
                        continue;
                    }
                    boolean covers = Long.compareUnsigned(vma.start(), address) <= 0;
                    ahead = covers ? null : vma;
                    return covers ? vma : null;
                }
                ahead = null;
                return null;
            } catch (IOException e) {
                throw cannotRead(e);
            }
        }

        /** {@link ProcMaps#sharedAddressOf} over every line. */
        long sharedAddressOf(long dev, long inode, long offset) {
            try {
                for (Vma v = next(); v != null; v = next()) {
                    if (mapsShared(v, dev, inode, offset)) {
                        return v.start() + offset - v.offset();
                    }
                }
                return -1;
            } catch (IOException e) {
                throw cannotRead(e);
            }
        }

        /**
         * The next line as a VMA: "start-end perms offset major:minor inode ...", hexadecimal
         * bounds, offset and device, perms "rwxp"/"---s", a decimal inode.
         */
        private Vma next() throws IOException {
            String line = maps.readLine();
            if (line == null) {
                return null;
            }
            String[] f = line.split(" +", 6);
            int dash = f[0].indexOf('-');
            int colon = f[3].indexOf(':');
            return new Vma(
                    Long.parseUnsignedLong(f[0], 0, dash, 16),
                    Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16),
                    f[1].charAt(0) == 'r',
                    f[1].charAt(1) == 'w',
                    f[1].charAt(3) == 's',
                    Long.parseUnsignedLong(f[2], 16),
                    (Long.parseLong(f[3], 0, colon, 16) << 32) | Long.parseLong(f[3], colon + 1, f[3].length(), 16),
                    Long.parseUnsignedLong(f[4]));
        }

        @Override
        public void close() {
            try {
                maps.close();
            } catch (IOException e) {
                throw cannotRead(e);
            }
        }

        private ErrnoException cannotRead(IOException e) {
            return new ErrnoException(Errno.EFAULT, null, "cannot read " + path + ": " + e.getMessage());
        }
    }
}
