package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.kernel.FileStat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The emulated file-system namespace: absolute paths mapped to device nodes and symbolic links.
 * Directories exist implicitly as the parents of registered paths. Subsystems add their nodes at
 * set-up or hot-plug time ({@code /dev/iommu}, {@code /dev/vfio/N}, {@code /sys/...} attributes and
 * links) and remove them on unplug. Lookups resolve symbolic links in every path component.
 */
public final class Vfs {
    private static final int MAX_SYMLINKS = 40;

    private sealed interface Entry permits Node, Link {}

    private record Node(DeviceNode node) implements Entry {}

    private record Link(String target) implements Entry {}

    private final NavigableMap<String, Entry> entries = new TreeMap<>();

    /** Adds a node at {@code path}; EEXIST if the path is taken. */
    public synchronized void register(String path, DeviceNode node) {
        add(path, new Node(node));
    }

    /** Adds a symbolic link {@code path -> target} (target relative to the link's directory, or absolute). */
    public synchronized void symlink(String path, String target) {
        add(path, new Link(target));
    }

    /** Removes a node or link; ENOENT if absent. */
    public synchronized void unregister(String path) {
        if (entries.remove(normalize(path)) == null) {
            throw new ErrnoException(Errno.ENOENT, null, path);
        }
    }

    /** Removes everything below directory {@code dir} (kobject_del of a device's directory). */
    public synchronized void unregisterTree(String dir) {
        String p = normalize(dir) + "/";
        entries.subMap(p, true, p + Character.MAX_VALUE, false).clear();
    }

    private void add(String path, Entry e) {
        String p = normalize(path);
        if (entries.putIfAbsent(p, e) != null) {
            throw new ErrnoException(Errno.EEXIST, null, path);
        }
    }

    /** The node a path names after following links; ENOENT if none, EISDIR for a directory. */
    synchronized DeviceNode lookup(String path) {
        String p = resolve(path);
        Entry e = entries.get(p);
        if (e instanceof Node n) {
            return n.node();
        }
        throw new ErrnoException(isDirectory(p) ? Errno.EISDIR : Errno.ENOENT, null, path);
    }

    synchronized List<String> list(String path) {
        String p = resolve(path);
        if (entries.get(p) instanceof Node) {
            throw new ErrnoException(Errno.ENOTDIR, null, path);
        }
        String prefix = p.equals("/") ? "/" : p + "/";
        TreeSet<String> names = new TreeSet<>();
        for (String key : entries.subMap(prefix, true, prefix + Character.MAX_VALUE, false)
                .keySet()) {
            String rest = key.substring(prefix.length());
            int slash = rest.indexOf('/');
            names.add(slash < 0 ? rest : rest.substring(0, slash));
        }
        if (names.isEmpty()) {
            throw new ErrnoException(Errno.ENOENT, null, path);
        }
        return new ArrayList<>(names);
    }

    synchronized String readlink(String path) {
        String p = normalize(path);
        int slash = p.lastIndexOf('/');
        String parent = resolve(slash == 0 ? "/" : p.substring(0, slash));
        String full = parent.equals("/") ? "/" + p.substring(slash + 1) : parent + p.substring(slash);
        Entry e = entries.get(full);
        if (e instanceof Link l) {
            return l.target();
        }
        throw new ErrnoException(e != null || isDirectory(full) ? Errno.EINVAL : Errno.ENOENT, null, path);
    }

    /** stat's S_IFDIR. */
    public static final int S_IFDIR = 0040000;
    /** stat's S_IFREG: what a node is (a device node under /dev is a character device to its users). */
    public static final int S_IFREG = 0100000;
    /** lstat's S_IFLNK. */
    public static final int S_IFLNK = 0120000;

    /**
     * The file type stat(2) ({@code follow}) or lstat(2) reports for {@code path}: {@link #S_IFDIR},
     * {@link #S_IFLNK} or {@link #S_IFREG}; ENOENT if nothing is there.
     */
    public synchronized int fileType(String path, boolean follow) {
        if (!follow) {
            try {
                readlink(path);
                return S_IFLNK;
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    throw e;
                }
            }
        }
        String p = resolve(path);
        if (entries.get(p) instanceof Node) {
            return S_IFREG;
        }
        if (isDirectory(p)) {
            return S_IFDIR;
        }
        throw new ErrnoException(Errno.ENOENT, null, path);
    }

    /**
     * stat(2) ({@code follow}) or lstat(2) of {@code path}: a node's own attributes, a directory
     * 0755 of size 0 (sysfs's), a link 0777 as long as its target; ENOENT if nothing is there.
     */
    public synchronized FileStat getattr(String path, boolean follow) {
        return switch (fileType(path, follow)) {
            case S_IFDIR -> new FileStat(S_IFDIR | 0755, 0, 0);
            case S_IFLNK -> new FileStat(S_IFLNK | 0777, 0, readlink(path).length());
            default -> lookup(path).getattr();
        };
    }

    private boolean isDirectory(String p) {
        String prefix = p.equals("/") ? "/" : p + "/";
        String next = entries.ceilingKey(prefix);
        return next != null && next.startsWith(prefix);
    }

    /** The path with every symbolic link component replaced by its target. */
    private String resolve(String path) {
        Deque<String> todo = new ArrayDeque<>(components(normalize(path)));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            done.add(c);
            if (entries.get("/" + String.join("/", done)) instanceof Link l) {
                if (++links > MAX_SYMLINKS) {
                    throw new ErrnoException(Errno.ELOOP, null, path);
                }
                done.removeLast();
                if (l.target().startsWith("/")) {
                    done.clear();
                }
                List<String> target = components(l.target());
                for (int i = target.size() - 1; i >= 0; i--) {
                    todo.addFirst(target.get(i));
                }
            }
        }
        return "/" + String.join("/", done);
    }

    private static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
        }
        return out;
    }

    private static String normalize(String path) {
        if (!path.startsWith("/")) {
            throw new ErrnoException(Errno.ENOENT, null, "relative path " + path);
        }
        return "/" + String.join("/", components(path));
    }
}
