package io.jvfio.emulator;

/**
 * An emulated process as the accounting code sees it: its address-space counters ({@link Mm}), the
 * user it runs as, its RLIMIT_MEMLOCK and capabilities. All emulated processes share the JVM's
 * real address space; a separate Task only separates the charges (for IOMMU_IOAS_CHANGE_PROCESS).
 */
public final class Task {
    private final Mm mm;
    private final UserAccount user;
    private volatile long rlimitMemlock;
    private final boolean capIpcLock;
    private final boolean capSysResource;
    private final boolean capSysRawio;

    Task(Mm mm, UserAccount user, long rlimitMemlock, boolean capIpcLock, boolean capSysResource, boolean capSysRawio) {
        this.mm = mm;
        this.user = user;
        this.rlimitMemlock = rlimitMemlock;
        this.capIpcLock = capIpcLock;
        this.capSysResource = capSysResource;
        this.capSysRawio = capSysRawio;
    }

    /** exit(2): the address space goes away; pages mapped from it can no longer be pinned. */
    public void exit() {
        mm.exit();
    }

    public Mm mm() {
        return mm;
    }

    public UserAccount user() {
        return user;
    }

    /** RLIMIT_MEMLOCK in bytes. */
    public long rlimitMemlock() {
        return rlimitMemlock;
    }

    /** setrlimit(RLIMIT_MEMLOCK). */
    public void setRlimitMemlock(long bytes) {
        this.rlimitMemlock = bytes;
    }

    public boolean capIpcLock() {
        return capIpcLock;
    }

    public boolean capSysResource() {
        return capSysResource;
    }

    public boolean capSysRawio() {
        return capSysRawio;
    }
}
