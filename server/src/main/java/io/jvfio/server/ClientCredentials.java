package io.jvfio.server;

import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.Credentials;
import io.jvfio.emulator.Task;
import io.jvfio.kernel.nativeimpl.HostSyscalls;

/**
 * A client's capabilities and RLIMIT_MEMLOCK as the emulated machine sees them: those of the
 * machine's own processes ({@code machine}, the emulated kernel's init task: root with every
 * capability by default, whatever the host lets us have), less what the program changed itself.
 * A capability the client dropped (capset, as the iommufd selftests drop CAP_IPC_LOCK) or a limit
 * it set (setrlimit) differs from what the server has, and then the client's own counts, asked of
 * the host at each check as the kernel checks {@code current}'s at the moment it needs them.
 */
final class ClientCredentials implements Credentials {
    private static final int CAP_IPC_LOCK = 14;
    private static final int CAP_SYS_RAWIO = 17;
    private static final int CAP_SYS_RESOURCE = 24;
    private static final int RLIMIT_MEMLOCK = 8;
    private static final int SERVER = (int) ProcessHandle.current().pid();
    private static final long SERVER_CAPS = HostSyscalls.effectiveCaps(SERVER);
    private static final long SERVER_MEMLOCK = HostSyscalls.softLimit(SERVER, RLIMIT_MEMLOCK);

    private final int pid;
    private final Task machine;

    ClientCredentials(int pid, Task machine) {
        this.pid = pid;
        this.machine = machine;
    }

    /** Capabilities are a thread's: the calling client thread's, when a request of its runs. */
    private int who() {
        int tid = Connection.callingTid();
        return tid > 0 ? tid : pid;
    }

    /** Whether the client dropped {@code cap} (it had it as the server has, and no longer). */
    private boolean dropped(int cap) {
        long bit = 1L << cap;
        if ((SERVER_CAPS & bit) == 0) {
            return false;
        }
        try {
            return (HostSyscalls.effectiveCaps(who()) & bit) == 0;
        } catch (ErrnoException e) {
            return true; // gone: it has nothing
        }
    }

    @Override
    public long rlimitMemlock() {
        try {
            long own = HostSyscalls.softLimit(pid, RLIMIT_MEMLOCK);
            return own != SERVER_MEMLOCK ? own : machine.rlimitMemlock();
        } catch (ErrnoException e) {
            return 0;
        }
    }

    @Override
    public boolean capIpcLock() {
        return machine.capIpcLock() && !dropped(CAP_IPC_LOCK);
    }

    @Override
    public boolean capSysResource() {
        return machine.capSysResource() && !dropped(CAP_SYS_RESOURCE);
    }

    @Override
    public boolean capSysRawio() {
        return machine.capSysRawio() && !dropped(CAP_SYS_RAWIO);
    }
}
