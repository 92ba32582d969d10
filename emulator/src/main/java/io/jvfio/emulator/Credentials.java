package io.jvfio.emulator;

/**
 * What capable() and RLIMIT_MEMLOCK say of a process whose credentials live outside the
 * emulation (a client of {@code jvfio run}: its real capabilities and limits, asked of the host at
 * each check, as the kernel checks {@code current}'s at the moment it needs them).
 */
public interface Credentials {
    long rlimitMemlock();

    boolean capIpcLock();

    boolean capSysResource();

    boolean capSysRawio();
}
