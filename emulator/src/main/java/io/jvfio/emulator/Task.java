package io.jvfio.emulator;

/**
 * An emulated process: its address space and counters ({@link Mm}), its file descriptors, the
 * user it runs as, its RLIMIT_MEMLOCK and capabilities. Processes made inside the JVM share its
 * address space and fd table, a separate Task only separating the charges (for
 * IOMMU_IOAS_CHANGE_PROCESS); a client process served by {@code jvfio run} has its own of both.
 */
public final class Task {
    private final Mm mm;
    private final FileTable files;
    private final UserAccount user;
    private volatile long rlimitMemlock;
    private final boolean capIpcLock;
    private final boolean capSysResource;
    private final boolean capSysRawio;
    /** A client's own credentials, which then override the fields above; null for a task of ours. */
    private final Credentials host;

    Task(
            Mm mm,
            FileTable files,
            UserAccount user,
            long rlimitMemlock,
            boolean capIpcLock,
            boolean capSysResource,
            boolean capSysRawio) {
        this.mm = mm;
        this.files = files;
        this.user = user;
        this.rlimitMemlock = rlimitMemlock;
        this.capIpcLock = capIpcLock;
        this.capSysResource = capSysResource;
        this.capSysRawio = capSysRawio;
        this.host = null;
    }

    Task(Mm mm, FileTable files, UserAccount user, Credentials host) {
        this.mm = mm;
        this.files = files;
        this.user = user;
        this.capIpcLock = false;
        this.capSysResource = false;
        this.capSysRawio = false;
        this.host = host;
    }

    /** exit(2): the address space goes away; pages mapped from it can no longer be pinned. */
    public void exit() {
        mm.exit();
    }

    /** The fd table ({@code current->files}). */
    public FileTable files() {
        return files;
    }

    public Mm mm() {
        return mm;
    }

    public UserAccount user() {
        return user;
    }

    /** RLIMIT_MEMLOCK in bytes. */
    public long rlimitMemlock() {
        return host != null ? host.rlimitMemlock() : rlimitMemlock;
    }

    /** setrlimit(RLIMIT_MEMLOCK). */
    public void setRlimitMemlock(long bytes) {
        this.rlimitMemlock = bytes;
    }

    public boolean capIpcLock() {
        return host != null ? host.capIpcLock() : capIpcLock;
    }

    public boolean capSysResource() {
        return host != null ? host.capSysResource() : capSysResource;
    }

    public boolean capSysRawio() {
        return host != null ? host.capSysRawio() : capSysRawio;
    }
}
