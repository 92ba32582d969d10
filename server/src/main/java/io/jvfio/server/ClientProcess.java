package io.jvfio.server;

import io.jvfio.emulator.Task;
import io.jvfio.emulator.boot.EmulatedKernel;
import io.jvfio.kernel.nativeimpl.HostSyscalls;
import io.jvfio.kernel.nativeimpl.NativeKernel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client process as the emulated kernel knows it: a {@link Task} with the client's own memory
 * and fd table, found by the pid the host kernel reports for its connections (SO_PEERCRED) and
 * followed by a pidfd, so its exit is seen and a recycled pid is never mistaken for it.
 */
final class ClientProcess {
    final int pid;
    final int pidfd;
    final ClientAddressSpace space;
    final Task task;
    private final AtomicBoolean forkSeen = new AtomicBoolean();

    ClientProcess(EmulatedKernel kernel, Reaper reaper, int pid) {
        this.pid = pid;
        this.pidfd = HostSyscalls.pidfdOpen(pid);
        this.space = new ClientAddressSpace(pid);
        this.task =
                kernel.newProcess(space, new ClientFiles(this, reaper), new ClientCredentials(pid, kernel.initTask()));
    }

    /**
     * This process was forked from {@code parent} (which its first connection names): it gets
     * the parent's MMIO mappings it still has, as dup_mmap copies them, once.
     */
    void forkedFrom(ClientProcess parent) {
        if (forkSeen.compareAndSet(false, true)) {
            space.inheritIo(parent.space);
        }
    }

    /** The kernel's exit path for the memory: exit_mm, then the mappings' close hooks. */
    void exit() {
        task.exit();
        space.exit();
        NativeKernel.instance().close(pidfd);
    }
}
